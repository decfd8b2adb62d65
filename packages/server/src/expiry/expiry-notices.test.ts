import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/support/manual-clock.js';
import { type CertificateUsage, dueNotices, EXPIRED_LEVEL, type RaisedNotice, reachedLevel } from './expiry-notices.js';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const warningDays = [30, 7, 1];
const start = new Date('2027-01-01T00:00:00Z');

function certificate(id: string, daysLeft: number) {
  return {
    id,
    thumbprint: id.toUpperCase().padEnd(40, '0'),
    subject: `CN=${id}`,
    issuedTo: id,
    notAfter: new Date(start.getTime() + daysLeft * DAY_MS),
  };
}

/**
 * Runs hourly checks from `start` until `until` as the monitor does — raised notices are remembered and
 * fed back — and returns what each check raised, with the days left at that moment.
 */
function runChecks(clock: ManualClock, until: Date, usagesAt: (now: Date) => CertificateUsage[], raised: RaisedNotice[] = []) {
  const log: {
    at: Date;
    certificateId: string;
    organizationId: string | null;
    thresholdDays: number | null;
    daysLeft: number;
    applications: string[];
  }[] = [];
  while (clock.now() <= until) {
    for (const notice of dueNotices(usagesAt(clock.now()), raised, clock.now(), warningDays)) {
      raised.push({ certificateId: notice.certificate.id, organizationId: notice.organizationId, level: notice.level });
      log.push({
        at: clock.now(),
        certificateId: notice.certificate.id,
        organizationId: notice.organizationId,
        thresholdDays: notice.thresholdDays,
        daysLeft: notice.daysLeft,
        applications: notice.applications.map((application) => application.applicationId),
      });
    }
    clock.advance(HOUR_MS);
  }
  return log;
}

const contosoApplication = { applicationId: 'app-1', displayName: 'Contoso backup 1' };

describe('expiry notices', () => {
  it('reaches the most urgent threshold the certificate is within, and expired at notAfter itself', () => {
    const notAfter = new Date(start.getTime() + 10 * DAY_MS);
    expect(reachedLevel(notAfter, new Date(notAfter.getTime() - 31 * DAY_MS), warningDays)).toBeNull();
    expect(reachedLevel(notAfter, new Date(notAfter.getTime() - 30 * DAY_MS), warningDays)).toBe(30);
    expect(reachedLevel(notAfter, new Date(notAfter.getTime() - 7 * DAY_MS - 1), warningDays)).toBe(30);
    expect(reachedLevel(notAfter, new Date(notAfter.getTime() - 7 * DAY_MS), warningDays)).toBe(7);
    expect(reachedLevel(notAfter, new Date(notAfter.getTime() - 1), warningDays)).toBe(1);
    expect(reachedLevel(notAfter, notAfter, warningDays)).toBe(EXPIRED_LEVEL);
  });

  it('raises 30, 7 and 1 days before expiry, each once, then expired once, as the clock moves on', () => {
    const clock = new ManualClock(start);
    const usage: CertificateUsage = {
      certificate: certificate('a', 45),
      organizationId: 'contoso',
      applications: [contosoApplication],
      managementApplicationId: null,
    };
    const log = runChecks(clock, new Date(start.getTime() + 60 * DAY_MS), () => [usage]);

    expect(log.map(({ thresholdDays, daysLeft, at }) => ({ thresholdDays, daysLeft, at: at.toISOString() }))).toEqual([
      { thresholdDays: 30, daysLeft: 30, at: '2027-01-16T00:00:00.000Z' },
      { thresholdDays: 7, daysLeft: 7, at: '2027-02-08T00:00:00.000Z' },
      { thresholdDays: 1, daysLeft: 1, at: '2027-02-14T00:00:00.000Z' },
      { thresholdDays: null, daysLeft: 0, at: '2027-02-15T00:00:00.000Z' },
    ]);
    expect(log.every((notice) => notice.applications.join() === 'app-1')).toBe(true);
  });

  it('raises only the most urgent threshold crossed when it first sees a certificate past several, and never the ones it skipped', () => {
    const clock = new ManualClock(start);
    const fiveDaysLeft: CertificateUsage = {
      certificate: certificate('b', 5.5),
      organizationId: 'contoso',
      applications: [contosoApplication],
      managementApplicationId: null,
    };
    const alreadyExpired: CertificateUsage = {
      certificate: certificate('c', -3),
      organizationId: 'contoso',
      applications: [contosoApplication],
      managementApplicationId: null,
    };
    const log = runChecks(clock, new Date(start.getTime() + 10 * DAY_MS), () => [fiveDaysLeft, alreadyExpired]);

    expect(log.map(({ certificateId, thresholdDays, daysLeft }) => [certificateId, thresholdDays, daysLeft])).toEqual([
      ['b', 7, 5],
      ['c', null, 0],
      ['b', 1, 1],
      ['b', null, 0],
    ]);
  });

  it('does not go back to a less urgent threshold when a check runs as of an earlier time', () => {
    const raised: RaisedNotice[] = [{ certificateId: 'd', organizationId: 'contoso', level: 7 }];
    const usage: CertificateUsage = {
      certificate: certificate('d', 20),
      organizationId: 'contoso',
      applications: [contosoApplication],
      managementApplicationId: null,
    };
    expect(dueNotices([usage], raised, start, warningDays)).toEqual([]);
  });

  it('keeps one count per organization, and for a certificate no application uses (no organization)', () => {
    const shared = certificate('e', 6);
    const usages: CertificateUsage[] = [
      { certificate: shared, organizationId: 'contoso', applications: [contosoApplication], managementApplicationId: null },
      {
        certificate: shared,
        organizationId: 'fabrikam',
        applications: [{ applicationId: 'app-2', displayName: 'Fabrikam backup' }],
        managementApplicationId: null,
      },
      { certificate: certificate('f', 6), organizationId: null, applications: [], managementApplicationId: null },
    ];
    const raised: RaisedNotice[] = [{ certificateId: 'e', organizationId: 'contoso', level: 7 }];
    expect(
      dueNotices(usages, raised, start, warningDays).map((notice) => [notice.certificate.id, notice.organizationId, notice.thresholdDays]),
    ).toEqual([
      ['e', 'fabrikam', 7],
      ['f', null, 7],
    ]);
  });

  it('stops warning an application once its certificate is replaced, and still warns the others that use it', () => {
    const clock = new ManualClock(start);
    const old = certificate('g', 35);
    const replacementDay = new Date(start.getTime() + 20 * DAY_MS);
    const second = { applicationId: 'app-3', displayName: 'Contoso backup 3' };
    const usagesAt = (now: Date): CertificateUsage[] => [
      // On the replacement day app-1 moves to a new certificate; app-3 keeps the old one.
      {
        certificate: old,
        organizationId: 'contoso',
        applications: now < replacementDay ? [contosoApplication, second] : [second],
        managementApplicationId: null,
      },
    ];
    const log = runChecks(clock, new Date(start.getTime() + 40 * DAY_MS), usagesAt);
    expect(log.map(({ thresholdDays, applications }) => [thresholdDays, applications])).toEqual([
      [30, ['app-1', 'app-3']],
      [7, ['app-3']],
      [1, ['app-3']],
      [null, ['app-3']],
    ]);
  });
});
