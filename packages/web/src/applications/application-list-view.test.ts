import { describe, expect, it, vi } from 'vitest';
import { effectScope, nextTick, ref } from 'vue';
import type { BackupApplicationRowFragment } from '../generated/graphql.js';
import { hasState, matchesText, sortApplications, useApplicationListView } from './application-list-view.js';

type Status = 'VALID' | 'EXPIRING_SOON' | 'EXPIRED' | 'NOT_YET_VALID';

function row(
  displayName: string,
  applicationId: string,
  certificate?: { thumbprint: string; notAfter: string; status: Status },
): BackupApplicationRowFragment {
  return {
    __typename: 'BackupApplication',
    id: `row-${applicationId}`,
    applicationId,
    displayName,
    addedAt: '2026-01-01T00:00:00Z',
    entraStatus: null,
    lastVerifiedAt: null,
    certificate: certificate
      ? {
          __typename: 'Certificate',
          id: `cert-${applicationId}`,
          issuedTo: displayName,
          issuedBy: 'CA',
          notBefore: '2025-01-01T00:00:00Z',
          ...certificate,
        }
      : null,
  } as BackupApplicationRowFragment;
}

const valid = row('Backup 10', 'c0000000-0000-4000-8000-000000000001', {
  thumbprint: 'B'.repeat(40),
  notAfter: '2027-06-01T00:00:00Z',
  status: 'VALID',
});
const expiring = row('Backup 2', 'a0000000-0000-4000-8000-000000000002', {
  thumbprint: 'C'.repeat(40),
  notAfter: '2026-12-10T00:00:00Z',
  status: 'EXPIRING_SOON',
});
const expired = row('archive', 'b0000000-0000-4000-8000-000000000003', {
  thumbprint: 'A'.repeat(40),
  notAfter: '2026-01-01T00:00:00Z',
  status: 'EXPIRED',
});
const notConfigured = row('Backup 1', 'd0000000-0000-4000-8000-000000000004');
const all = [valid, expiring, expired, notConfigured];

const names = (rows: readonly BackupApplicationRowFragment[]) => rows.map((application) => application.displayName);

describe('application states', () => {
  it('counts expired and expiring certificates as configured, as the summary does', () => {
    expect(names(all.filter((application) => hasState(application, 'configured')))).toEqual(['Backup 10', 'Backup 2', 'archive']);
    expect(names(all.filter((application) => hasState(application, 'notConfigured')))).toEqual(['Backup 1']);
    expect(names(all.filter((application) => hasState(application, 'expiring')))).toEqual(['Backup 2']);
    expect(names(all.filter((application) => hasState(application, 'expired')))).toEqual(['archive']);
  });

  it('matches the name case-insensitively, or the application id', () => {
    expect(names(all.filter((application) => matchesText(application, 'BACKUP')))).toEqual(['Backup 10', 'Backup 2', 'Backup 1']);
    expect(names(all.filter((application) => matchesText(application, ' B0000000-0000 ')))).toEqual(['archive']);
    expect(all.every((application) => matchesText(application, '  '))).toBe(true);
  });
});

describe('sortApplications', () => {
  it('sorts names as people read them (numbers by value, case ignored), both ways', () => {
    expect(names(sortApplications(all, { key: 'displayName', direction: 'ascending' }))).toEqual(['archive', 'Backup 1', 'Backup 2', 'Backup 10']);
    expect(names(sortApplications(all, { key: 'displayName', direction: 'descending' }))).toEqual(['Backup 10', 'Backup 2', 'Backup 1', 'archive']);
  });

  it('sorts by application id, certificate state, thumbprint and expiry; empty cells last in either direction', () => {
    expect(names(sortApplications(all, { key: 'applicationId', direction: 'ascending' }))).toEqual(['Backup 2', 'archive', 'Backup 10', 'Backup 1']);
    expect(names(sortApplications(all, { key: 'certificate', direction: 'ascending' }))).toEqual(['archive', 'Backup 2', 'Backup 10', 'Backup 1']);
    expect(names(sortApplications(all, { key: 'certificate', direction: 'descending' }))).toEqual(['Backup 1', 'archive', 'Backup 2', 'Backup 10']);
    expect(names(sortApplications(all, { key: 'thumbprint', direction: 'ascending' }))).toEqual(['archive', 'Backup 10', 'Backup 2', 'Backup 1']);
    expect(names(sortApplications(all, { key: 'thumbprint', direction: 'descending' }))).toEqual(['Backup 2', 'Backup 10', 'archive', 'Backup 1']);
    expect(names(sortApplications(all, { key: 'expires', direction: 'ascending' }))).toEqual(['archive', 'Backup 2', 'Backup 10', 'Backup 1']);
    expect(names(sortApplications(all, { key: 'expires', direction: 'descending' }))).toEqual(['Backup 10', 'Backup 2', 'archive', 'Backup 1']);
  });

  it('sorts thumbprints and application ids as text, character by character, never by the value of their leading digits', () => {
    const hex = [
      row('one', '21493a00-0000-4000-8000-000000000000', {
        thumbprint: '21493A7C00000000000000000000000000000000',
        notAfter: '2027-01-01T00:00:00Z',
        status: 'VALID',
      }),
      row('two', '2886bc00-0000-4000-8000-000000000000', {
        thumbprint: '2886BC0100000000000000000000000000000000',
        notAfter: '2027-01-01T00:00:00Z',
        status: 'VALID',
      }),
      row('three', '9aa00000-0000-4000-8000-000000000000', {
        thumbprint: '9AA0000000000000000000000000000000000000',
        notAfter: '2027-01-01T00:00:00Z',
        status: 'VALID',
      }),
      row('four', 'a1000000-0000-4000-8000-000000000000', {
        thumbprint: 'a100000000000000000000000000000000000000',
        notAfter: '2027-01-01T00:00:00Z',
        status: 'VALID',
      }),
    ];
    // A numeric collation reads "2886…" as 2,886 and "21493…" as 21,493, and puts 2886 first.
    expect(names(sortApplications(hex, { key: 'thumbprint', direction: 'ascending' }))).toEqual(['one', 'two', 'three', 'four']);
    expect(names(sortApplications(hex, { key: 'thumbprint', direction: 'descending' }))).toEqual(['four', 'three', 'two', 'one']);
    expect(names(sortApplications(hex, { key: 'applicationId', direction: 'ascending' }))).toEqual(['one', 'two', 'three', 'four']);
  });

  it('leaves the given list as it was', () => {
    const given = [...all];
    sortApplications(given, { key: 'expires', direction: 'descending' });
    expect(given).toEqual(all);
  });
});

describe('useApplicationListView', () => {
  it('filters by state at once and by name once typing pauses, then sorts; a second sort on a column reverses it', async () => {
    const scope = effectScope();
    const view = scope.run(() => useApplicationListView(ref(all), 'configured', 0))!;
    expect(names(view.rows.value)).toEqual(['archive', 'Backup 2', 'Backup 10']);
    expect(view.filtered.value).toBe(true);

    view.text.value = 'backup';
    // The debounce's timer, however late a loaded machine runs it.
    await vi.waitFor(() => expect(names(view.rows.value)).toEqual(['Backup 2', 'Backup 10']));

    view.sortBy('expires');
    expect(view.sort.value).toEqual({ key: 'expires', direction: 'ascending' });
    view.sortBy('expires');
    expect(view.sort.value).toEqual({ key: 'expires', direction: 'descending' });
    expect(names(view.rows.value)).toEqual(['Backup 10', 'Backup 2']);

    view.clearFilter();
    await nextTick();
    expect(view.filtered.value).toBe(false);
    expect(names(view.rows.value)).toEqual(['Backup 10', 'Backup 2', 'archive', 'Backup 1']);
    scope.stop();
  });
});
