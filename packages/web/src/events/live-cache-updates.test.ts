import { mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCache } from '../common/apollo/apollo-client.js';
import { AppliedEvents } from '../common/apollo/applied-events.js';
import { CertificateStoreDocument, OrganizationApplicationsDocument, type OrganizationApplicationsQuery } from '../generated/graphql.js';
import OrganizationsView from '../organizations/OrganizationsView.vue';
import { eventually, MockStream, mockApolloClient } from '../test-support/mock-apollo.js';
import { storeCertificate } from '../test-support/store-certificate.js';
import { liveCacheUpdates } from './live-cache-updates.js';
import type { LiveEvent } from './live-event-stream.js';

const ORGANIZATION = 'org-contoso';
const DAY = 24 * 3600 * 1000;

const certificate = (id: string, thumbprint: string, notAfter: string) => storeCertificate(id, { thumbprint, notAfter });

const application = (n: number, cert: ReturnType<typeof certificate> | null = null) => ({
  __typename: 'BackupApplication',
  id: `row-${n}`,
  applicationId: `app-${n}`,
  displayName: `Contoso Backup ${n}`,
  addedAt: '2026-01-01T00:00:00.000Z',
  entraStatus: null,
  lastVerifiedAt: null,
  certificate: cert,
});

/** Position of the newest event the mocked server has recorded: each event made by `event()` is the next. */
let recordedPosition = 0;

/** What the server holds; handlers answer from it, so a refetch shows its current state. */
function serverState() {
  return {
    applications: [application(1, certificate('cert-old', 'OLD'.padEnd(40, '0'), '2027-01-01T00:00:00.000Z')), application(2), application(3)],
    counts: { applications: 3, configured: 1, notConfigured: 2, expiringSoon: 0, expired: 0 },
    store: [certificate('cert-a', 'A'.repeat(40), '2028-01-01T00:00:00.000Z'), certificate('cert-b', 'B'.repeat(40), '2028-01-01T00:00:00.000Z')],
  };
}

/**
 * Answers the organization's recounts from the server's state as of each request, the n-th (from 1)
 * `delayOf(n)` ms later, or holds it for the test to answer (`held`) when that is undefined.
 */
function answerRecounts(apollo: ReturnType<typeof setup>['apollo'], delayOf: (read: number) => number | undefined) {
  const answerNow = apollo.handlers.OrganizationSummary!;
  const recounts = { read: 0, answered: 0, held: [] as (() => void)[] };
  apollo.handlers.OrganizationSummary = (variables) => {
    const answer = new MockStream();
    const counts = answerNow(variables) as Record<string, unknown>;
    recounts.read += 1;
    const end = () => {
      recounts.answered += 1;
      answer.end(counts);
    };
    const delay = delayOf(recounts.read);
    if (delay === undefined) recounts.held.push(end);
    else setTimeout(end, delay);
    return answer;
  };
  return recounts;
}

function setup() {
  const server = serverState();
  const appliedEvents = new AppliedEvents();
  const organization = () => ({
    __typename: 'Organization',
    id: ORGANIZATION,
    name: 'contoso.onmicrosoft.com',
    region: 'Worldwide',
    tenantId: 'tenant-contoso',
    createdAt: '2026-01-01T00:00:00Z',
    entraConnected: false,
    certificateSummary: { __typename: 'CertificateSummary', ...server.counts },
  });
  const apollo = mockApolloClient(
    {
      Organizations: () => ({
        organizations: {
          __typename: 'OrganizationConnection',
          totalCount: 1,
          pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
          edges: [{ __typename: 'OrganizationEdge', cursor: 'c', node: organization() }],
        },
      }),
      OrganizationSummary: () => ({ organization: organization() }),
      OrganizationApplications: () => ({ organization: { ...organization(), backupApplications: server.applications } }),
      CertificateStore: () => ({
        certificateStore: server.store,
      }),
    },
    // Each answer says, as the server's does, which events were recorded when it read.
    { cache: createCache(), links: [appliedEvents.link], extensions: () => ({ certificateEventPosition: String(recordedPosition) }) },
  );
  const updates = liveCacheUpdates(apollo.client, appliedEvents, { coalesceMs: 20 });
  const count = (name: string) => apollo.operations.filter((operation) => operation.operationName === name).length;
  return { server, apollo, updates, count };
}

/** Holds the second request for the application list: its answer, read from the server as it was then, is sent when the test says. */
function holdSecondListRequest({ apollo, count }: Pick<ReturnType<typeof setup>, 'apollo' | 'count'>) {
  const held: { answer: MockStream; read: OrganizationApplicationsQuery }[] = [];
  const answerNow = apollo.handlers.OrganizationApplications!;
  apollo.handlers.OrganizationApplications = (variables) => {
    if (count('OrganizationApplications') !== 2) return answerNow(variables);
    const answer = new MockStream();
    held.push({ answer, read: answerNow(variables) as OrganizationApplicationsQuery });
    return answer;
  };
  return held;
}

/** Watches a query as a view does (so it is active), and returns what the cache holds for it. */
function watch<TData>(client: ReturnType<typeof setup>['apollo']['client'], query: Parameters<typeof client.watchQuery>[0]) {
  const observable = client.watchQuery(query);
  let latest: TData | undefined;
  const subscription = observable.subscribe({ next: (result) => (latest = result.data as TData) });
  subscriptions.push(subscription);
  return () => latest;
}

/** Watches the organization's application list as the open manager does, once its three rows are shown. */
async function shownRows(client: ReturnType<typeof setup>['apollo']['client']) {
  const rows = watch<OrganizationApplicationsQuery>(client, { query: OrganizationApplicationsDocument, variables: { organizationId: ORGANIZATION } });
  await eventually(() => expect(rows()?.organization?.backupApplications).toHaveLength(3));
  return rows;
}

let subscriptions: { unsubscribe(): void }[] = [];
let wrapper: VueWrapper | undefined;
afterEach(() => {
  for (const subscription of subscriptions) subscription.unsubscribe();
  subscriptions = [];
  wrapper?.unmount();
  wrapper = undefined;
});

function event(type: LiveEvent['type'], data: Record<string, unknown>, organizationId: string | null = ORGANIZATION): LiveEvent {
  recordedPosition += 1;
  return {
    id: `event-${Math.random()}`,
    position: String(recordedPosition),
    type,
    organizationId,
    applicationIds: [],
    time: '2026-11-27T15:00:00.000Z',
    cloudEvent: { data },
  };
}

const updated = (applicationIds: string[], cert: ReturnType<typeof certificate>, entra: { rotationStep: string } | null = null) =>
  event('CERTIFICATE_UPDATED', {
    applications: applicationIds.map((applicationId) => ({ applicationId, previousThumbprint: null })),
    certificate: {
      id: cert.id,
      thumbprint: cert.thumbprint,
      issuedTo: cert.issuedTo,
      issuedBy: cert.issuedBy,
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
    },
    source: 'STORE',
    entra,
  });

describe('certificate events in the cache', () => {
  it('puts an updated certificate on the rows in place, and recounts the summary once for a burst', async () => {
    const { apollo, updates, count } = setup();
    const rows = await shownRows(apollo.client);

    const soon = new Date(Date.now() + 10 * DAY).toISOString();
    const next = certificate('cert-new', 'C'.repeat(40), soon);
    updates.apply(updated(['app-2', 'app-3'], next));
    updates.apply(updated(['app-1'], next));

    // From the event alone: certificate fields and a status computed by the shared rules.
    await eventually(() => {
      const byId = new Map(rows()!.organization!.backupApplications.map((row) => [row.applicationId, row]));
      for (const id of ['app-1', 'app-2', 'app-3']) {
        expect(byId.get(id)?.certificate).toMatchObject({
          id: 'cert-new',
          thumbprint: 'C'.repeat(40),
          issuedTo: 'Cert cert-new',
          status: 'EXPIRING_SOON',
        });
      }
    });
    // The counts come from the server: one OrganizationSummary for the two events; the list is not read again.
    await eventually(() => expect(count('OrganizationSummary')).toBe(1));
    expect(count('OrganizationApplications')).toBe(1);
  });

  it('marks rows rotated in Entra as registered at the switch', async () => {
    const { apollo, updates } = setup();
    const rows = await shownRows(apollo.client);
    updates.apply(updated(['app-2'], certificate('cert-new', 'C'.repeat(40), '2028-01-01T00:00:00.000Z'), { rotationStep: 'SWITCHED' }));
    await eventually(() =>
      expect(rows()!.organization!.backupApplications.find((candidate) => candidate.applicationId === 'app-2')).toMatchObject({
        entraStatus: 'REGISTERED',
        lastVerifiedAt: '2026-11-27T15:00:00.000Z',
      }),
    );
  });

  it('reads the list again when the event does not say enough (an application it does not know, an event without names)', async () => {
    const { apollo, updates, count } = setup();
    await shownRows(apollo.client);

    updates.apply(updated(['app-9'], certificate('cert-new', 'C'.repeat(40), '2028-01-01T00:00:00.000Z')));
    updates.apply(
      event('CERTIFICATE_UPDATED', { applications: [{ applicationId: 'app-1' }], certificate: { id: 'x', thumbprint: 'X', notAfter: '2028-01-01' } }),
    );
    updates.apply(event('APPLICATIONS_ADDED', { applications: [{ applicationId: 'app-4', displayName: 'Contoso Backup 4' }] }));
    await eventually(() => expect(count('OrganizationApplications')).toBe(2));
  });

  it('evicts removed applications and recounts', async () => {
    const { apollo, updates, count, server } = setup();
    const rows = await shownRows(apollo.client);

    server.counts = { ...server.counts, applications: 1, notConfigured: 0 };
    updates.apply(event('APPLICATIONS_REMOVED', { applications: [{ applicationId: 'app-2' }, { applicationId: 'app-3' }] }));
    await eventually(() => expect(rows()!.organization!.backupApplications.map((row) => row.applicationId)).toEqual(['app-1']));
    // Gone from the cache too, so no other view (a certificate's "used by") still lists them.
    expect(Object.keys(apollo.client.cache.extract() as Record<string, unknown>)).not.toContain('BackupApplication:row-2');
    await eventually(() => expect(count('OrganizationSummary')).toBe(1));
    expect(count('OrganizationApplications')).toBe(1);
  });

  it('asks a view again when an event changes it while its request is on the way (the answer may predate the change)', async () => {
    const { apollo, updates, count, server } = setup();
    // Requests of the list after the first one read the server when sent and are answered when the test says.
    const held: { answer: MockStream; read: OrganizationApplicationsQuery }[] = [];
    const answerNow = apollo.handlers.OrganizationApplications!;
    apollo.handlers.OrganizationApplications = (variables) => {
      if (count('OrganizationApplications') === 1) return answerNow(variables);
      const answer = new MockStream();
      held.push({ answer, read: answerNow(variables) as OrganizationApplicationsQuery });
      return answer;
    };
    const rows = await shownRows(apollo.client);

    // The expiry monitor's event reads the list again; the request reads the server before the next changes.
    updates.apply(event('CERTIFICATE_EXPIRING', { thresholdDays: 7, applications: [{ applicationId: 'app-1' }] }));
    await eventually(() => expect(held).toHaveLength(1));
    const next = certificate('cert-new', 'C'.repeat(40), '2028-01-01T00:00:00.000Z');
    server.applications = [application(1, next), application(3)];
    updates.apply(updated(['app-1'], next));
    updates.apply(event('APPLICATIONS_REMOVED', { applications: [{ applicationId: 'app-2' }] }));

    // The answer read before the changes arrives: the list is asked for once more.
    held[0]!.answer.end(held[0]!.read);
    await eventually(() => expect(held).toHaveLength(2));
    held[1]!.answer.end(held[1]!.read);
    await eventually(() => {
      const shown = rows()!.organization!.backupApplications;
      expect(shown.map((row) => row.applicationId)).toEqual(['app-1', 'app-3']);
      expect(shown[0]!.certificate?.thumbprint).toBe('C'.repeat(40));
    });
    expect(count('OrganizationApplications')).toBe(3);
  });

  it('never shows a list answer read before an event applied in place, not even for a moment', async () => {
    const { apollo, updates, server, count } = setup();
    const held = holdSecondListRequest({ apollo, count });
    // Every thumbprint of the first row the view is given, in order (watched as the console's views are).
    const list = apollo.client.watchQuery({
      query: OrganizationApplicationsDocument,
      variables: { organizationId: ORGANIZATION },
      fetchPolicy: 'cache-and-network',
      notifyOnNetworkStatusChange: true,
    });
    const shown: (string | null)[] = [];
    subscriptions.push(
      list.subscribe(({ data }) => {
        const row = (data as OrganizationApplicationsQuery | undefined)?.organization?.backupApplications.find(
          (candidate) => candidate.applicationId === 'app-1',
        );
        if (row) shown.push(row.certificate?.thumbprint ?? null);
      }),
    );
    await eventually(() => expect(shown.at(-1)).toBe('OLD'.padEnd(40, '0')));

    // The manager asks again (Refresh); its request reads the list before the certificate changes.
    void list.refetch().catch(() => undefined);
    await eventually(() => expect(held).toHaveLength(1));
    const next = certificate('cert-new', 'C'.repeat(40), '2028-01-01T00:00:00.000Z');
    server.applications = [application(1, next), application(2), application(3)];
    updates.apply(updated(['app-1'], next));
    await eventually(() => expect(shown.at(-1)).toBe('C'.repeat(40)));

    // The answer read before the change arrives after it was shown.
    held[0]!.answer.end(held[0]!.read);
    await eventually(() => expect(list.getCurrentResult().loading).toBe(false));
    await eventually(() => expect(shown.at(-1)).toBe('C'.repeat(40)));
    expect(shown.slice(shown.indexOf('C'.repeat(40)))).not.toContain('OLD'.padEnd(40, '0'));
  });

  it('asks again for a list whose request was on its way when events were missed', async () => {
    const { apollo, updates, count, server } = setup();
    const held = holdSecondListRequest({ apollo, count });
    const rows = await shownRows(apollo.client);
    const list = [...apollo.client.getObservableQueries('active')].find((query) => query.queryName === 'OrganizationApplications')!;
    void list.refetch().catch(() => undefined);
    await eventually(() => expect(held).toHaveLength(1));

    // Changed while the feed was down: no event says what, so the views are read again.
    server.applications = [application(1), application(3)];
    const readAgain = vi.spyOn(list, 'refetch');
    updates.resync();
    // The view's refetch joins the request on its way (one request for identical ones), which then answers.
    await eventually(() => expect(readAgain).toHaveBeenCalled());
    held[0]!.answer.end(held[0]!.read);
    await eventually(() => expect(rows()!.organization!.backupApplications.map((row) => row.applicationId)).toEqual(['app-1', 'app-3']));
  });

  it('recounts again for an event that comes while the previous recount is on the way', async () => {
    const { apollo, updates, count, server } = setup();
    await shownRows(apollo.client);
    // Answered only once the next event came.
    const recounts = answerRecounts(apollo, (read) => (read === 1 ? 100 : 0));
    updates.apply(event('APPLICATIONS_REMOVED', { applications: [{ applicationId: 'app-9' }] }));
    await eventually(() => expect(recounts.read).toBe(1));
    server.counts = { ...server.counts, applications: 2, notConfigured: 1 };
    updates.apply(event('APPLICATIONS_REMOVED', { applications: [{ applicationId: 'app-3' }] }));
    // The first answer, read before the second event, is asked for again; then comes the second event's own recount.
    await eventually(() => expect(count('OrganizationSummary')).toBe(3));
    await eventually(() =>
      expect((apollo.client.cache.extract() as Record<string, unknown>)[`Organization:${ORGANIZATION}`]).toMatchObject({
        certificateSummary: { applications: 2 },
      }),
    );
  });

  it('keeps the newer counts when an older recount would answer after them', async () => {
    const { apollo, updates, server } = setup();
    await shownRows(apollo.client);
    // The first recount, read before the second event's change, is slow to come back.
    const recounts = answerRecounts(apollo, (read) => (read === 1 ? 400 : 0));
    updates.apply(event('APPLICATIONS_REMOVED', { applications: [{ applicationId: 'app-9' }] }));
    await eventually(() => expect(recounts.read).toBe(1));
    server.counts = { ...server.counts, applications: 2, notConfigured: 1 };
    updates.apply(event('APPLICATIONS_REMOVED', { applications: [{ applicationId: 'app-3' }] }));
    // The slow answer, read before the second event, is asked for again; then comes the second event's own recount.
    await eventually(() => expect(recounts.answered).toBe(3));
    expect((apollo.client.cache.extract() as Record<string, unknown>)[`Organization:${ORGANIZATION}`]).toMatchObject({
      certificateSummary: { applications: 2 },
    });
  });

  it('sends no refetch that was waiting for an earlier one after sign-out', async () => {
    const { apollo, updates, count } = setup();
    await shownRows(apollo.client);
    const recounts = answerRecounts(apollo, () => undefined);
    updates.apply(event('APPLICATIONS_REMOVED', { applications: [{ applicationId: 'app-9' }] }));
    await eventually(() => expect(recounts.read).toBe(1));
    updates.apply(event('APPLICATIONS_REMOVED', { applications: [{ applicationId: 'app-3' }] }));
    // The second recount's turn has come; it waits for the first answer.
    await new Promise((resolve) => setTimeout(resolve, 300));
    updates.dispose();
    recounts.held[0]!();
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The first answer, read before the second event, is asked for again; the second event's recount is not sent.
    expect(count('OrganizationSummary')).toBe(2);
  });

  it('shows new counts in the Organizations view without a click', async () => {
    const { apollo, updates, server } = setup();
    wrapper = mount(OrganizationsView, { global: { provide: apollo.provide }, attachTo: document.body });
    await eventually(() => expect(wrapper!.find('[data-testid="summary-expired"]').exists()).toBe(true));
    expect(wrapper.find('[data-testid="organization-attention"]').exists()).toBe(false);

    server.counts = { ...server.counts, configured: 2, notConfigured: 1, expired: 1 };
    updates.apply(updated(['app-2'], certificate('cert-new', 'C'.repeat(40), '2026-01-02T00:00:00.000Z')));
    await eventually(() => expect(wrapper!.get('[data-testid="summary-expired"]').text()).toContain('1'));
    expect(wrapper.get('[data-testid="summary-configured"]').text()).toContain('2');
    // The inventory's mark reads the same organization in the cache.
    expect(wrapper.find('[data-testid="organization-attention"]').exists()).toBe(true);
  });

  it('reads the rows and counts again when the expiry monitor says a certificate is expiring or expired', async () => {
    const { apollo, updates, count } = setup();
    await shownRows(apollo.client);
    updates.apply(event('CERTIFICATE_EXPIRING', { thresholdDays: 7, applications: [{ applicationId: 'app-1' }] }));
    updates.apply(event('CERTIFICATE_EXPIRED', { applications: [{ applicationId: 'app-1' }] }));
    await eventually(() => expect(count('OrganizationApplications')).toBe(2));
    await eventually(() => expect(count('OrganizationSummary')).toBe(1));
  });

  it('refetches the organization list when organizations come and go', async () => {
    const { apollo, updates, count } = setup();
    wrapper = mount(OrganizationsView, { global: { provide: apollo.provide }, attachTo: document.body });
    await eventually(() => expect(count('Organizations')).toBe(1));
    updates.apply(event('ORGANIZATION_ADDED', { name: 'fabrikam.onmicrosoft.com' }, 'org-fabrikam'));
    updates.apply(event('ORGANIZATION_REMOVED', { name: 'northwind.onmicrosoft.com' }, 'org-northwind'));
    await eventually(() => expect(count('Organizations')).toBe(2));
  });

  it('keeps the store list: a removed certificate leaves it at once, a new one is read again', async () => {
    const { apollo, updates, count } = setup();
    const store = watch<{ certificateStore: { id: string }[] }>(apollo.client, { query: CertificateStoreDocument, variables: {} });
    await eventually(() => expect(store()?.certificateStore).toHaveLength(2));

    updates.apply(event('STORE_CERTIFICATE_REMOVED', { certificate: { id: 'cert-a' } }, null));
    await eventually(() => expect(store()!.certificateStore.map((entry) => entry.id)).toEqual(['cert-b']));
    expect(count('CertificateStore')).toBe(1);

    updates.apply(event('STORE_CERTIFICATE_GENERATED', { certificate: { id: 'cert-c' } }, null));
    await eventually(() => expect(count('CertificateStore')).toBe(2));
  });

  it('refetches every live view once after missed events (resync)', async () => {
    const { apollo, updates, count } = setup();
    wrapper = mount(OrganizationsView, { global: { provide: apollo.provide }, attachTo: document.body });
    watch(apollo.client, { query: OrganizationApplicationsDocument, variables: { organizationId: ORGANIZATION } });
    await eventually(() => expect([count('Organizations'), count('OrganizationSummary'), count('OrganizationApplications')]).toEqual([1, 1, 1]));
    // Answered, so that no view is asked again for a request that was on its way during the resync.
    await eventually(() => expect([...apollo.client.getObservableQueries('active')].some((query) => query.getCurrentResult().loading)).toBe(false));
    updates.resync();
    updates.resync();
    await eventually(() => expect([count('Organizations'), count('OrganizationSummary'), count('OrganizationApplications')]).toEqual([2, 2, 2]));
  });
});
