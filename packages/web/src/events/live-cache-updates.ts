import type { ApolloClient, ObservableQuery, Reference } from '@apollo/client';
import { certificateStatus } from '@bam/shared';
import type { AppliedEvents } from '../common/apollo/applied-events.js';
import { type CertificateSummaryFragment, CertificateSummaryFragmentDoc, OrganizationSummaryDocument } from '../generated/graphql.js';
import type { LiveEvent } from './live-event-stream.js';

/** The console's views that certificate events keep up to date, by query name. */
const LIVE_QUERIES = [
  'Organizations',
  'ScopeOrganizations',
  'OrganizationSummary',
  'OrganizationApplications',
  'CertificateStore',
  'CertificateDetails',
];

/** What a CERTIFICATE_UPDATED event's `data` says (see the README's event table). */
interface CertificateUpdatedData {
  applications?: { applicationId: string }[];
  certificate?: { id: string; thumbprint: string; issuedTo?: string; issuedBy?: string; notBefore?: string; notAfter: string };
  entra?: { rotationStep: string } | null;
}

interface ApplicationsChangedData {
  applications?: { applicationId: string }[];
}

interface StoreCertificateData {
  certificate?: { id: string };
}

export interface LiveCacheUpdates {
  /** Brings the cache up to date with one event: in place where the event says enough, else by refetching the views it concerns. */
  apply(event: LiveEvent): void;
  /** Events were missed and cannot be replayed: refetch every live view once. */
  resync(): void;
  /** Drops the refetches still waiting (sign-out). */
  dispose(): void;
}

/**
 * Maps certificate events onto the Apollo cache. Refetches are coalesced: a burst of events asks for
 * each view once per `coalesceMs`, however many events concern it.
 */
export function liveCacheUpdates(
  client: ApolloClient,
  appliedEvents: AppliedEvents,
  { coalesceMs = 150 }: { coalesceMs?: number } = {},
): LiveCacheUpdates {
  const { cache } = client;
  const waiting = new Map<string, ReturnType<typeof setTimeout>>();
  // The refetch on its way for each key. The next one for the key is sent once it is answered: two in
  // flight together could be answered in the wrong order and leave the older state shown.
  const inFlight = new Map<string, Promise<unknown>>();
  let disposed = false;

  function later(key: string, refetch: () => Promise<unknown>) {
    if (waiting.has(key)) return;
    waiting.set(
      key,
      setTimeout(() => {
        waiting.delete(key);
        // A failed refetch shows in its view (error state); the next event or Refresh tries again.
        const run = (inFlight.get(key) ?? Promise.resolve()).then(() => (disposed ? undefined : refetch())).catch(() => undefined);
        inFlight.set(key, run);
        void run.then(() => inFlight.get(key) === run && inFlight.delete(key));
      }, coalesceMs),
    );
  }

  function refetchWatched(key: string, matches: (query: ObservableQuery) => boolean) {
    later(key, () => Promise.all([...client.getObservableQueries('active')].filter(matches).map((query) => query.refetch())));
  }

  const organizationViews = (query: ObservableQuery) => query.queryName === 'Organizations' || query.queryName === 'ScopeOrganizations';
  const applicationsView = (organizationId: string) => (query: ObservableQuery) =>
    query.queryName === 'OrganizationApplications' && query.variables.organizationId === organizationId;
  const storeViews = (query: ObservableQuery) => query.queryName === 'CertificateStore' || query.queryName === 'CertificateDetails';

  const refetchOrganizations = () => refetchWatched('organizations', organizationViews);
  const refetchApplications = (organizationId: string) => refetchWatched(`applications:${organizationId}`, applicationsView(organizationId));
  const refetchStore = () => refetchWatched('store', storeViews);

  /** The organization's counts, wherever the console shows them (the summary tiles, the inventory's ! marks). */
  function refetchSummary(organizationId: string) {
    if (!cachedOrganization(organizationId)) return;
    later(`summary:${organizationId}`, () =>
      client.query({ query: OrganizationSummaryDocument, variables: { id: organizationId }, fetchPolicy: 'network-only' }),
    );
  }

  /** The cache id of the organization when a view has loaded it. */
  function cachedOrganization(organizationId: string): string | undefined {
    const id = cache.identify({ __typename: 'Organization', id: organizationId });
    let present = false;
    // A modifier runs only for fields the entity has: a cheap existence check, without copying the cache.
    if (id) cache.modify({ id, fields: { id: (value: unknown) => ((present = true), value) }, broadcast: false });
    return present ? id : undefined;
  }

  /** The organization's cached application rows matching `applicationIds` (undefined when no view has loaded the rows). */
  function applicationRows(organizationId: string, applicationIds: readonly string[]): { found: Reference[]; missing: boolean } | undefined {
    const id = cachedOrganization(organizationId);
    if (!id) return undefined;
    const wanted = new Set(applicationIds);
    let found: Reference[] | undefined;
    cache.modify({
      id,
      fields: {
        backupApplications(existing: readonly Reference[], { readField }) {
          found = existing.filter((row) => wanted.has(readField<string>('applicationId', row) ?? ''));
          return existing;
        },
      },
      broadcast: false,
    });
    return found && { found, missing: found.length < wanted.size };
  }

  function certificateUpdated(organizationId: string, event: LiveEvent) {
    const data = event.cloudEvent.data as CertificateUpdatedData | undefined;
    const certificate = data?.certificate;
    const applicationIds = data?.applications?.map((application) => application.applicationId) ?? event.applicationIds;
    const rows = applicationRows(organizationId, applicationIds);
    const complete = certificate?.issuedTo !== undefined && certificate.issuedBy !== undefined && certificate.notBefore !== undefined;
    if (rows && certificate && complete) {
      const certificateRef = cache.writeFragment({
        fragment: CertificateSummaryFragmentDoc,
        data: {
          __typename: 'Certificate',
          id: certificate.id,
          thumbprint: certificate.thumbprint,
          issuedTo: certificate.issuedTo!,
          issuedBy: certificate.issuedBy!,
          notBefore: certificate.notBefore!,
          notAfter: certificate.notAfter,
          status: certificateStatus({ notBefore: new Date(certificate.notBefore!), notAfter: new Date(certificate.notAfter) }),
        } as CertificateSummaryFragment,
      });
      for (const row of rows.found) {
        cache.modify({
          id: cache.identify(row),
          fields: {
            certificate: () => certificateRef,
            // A rotation proves Entra holds the new key at the switch; without Entra nothing was checked yet.
            entraStatus: () => (data?.entra ? 'REGISTERED' : null),
            lastVerifiedAt: () => (data?.entra ? event.time : null),
          },
        });
      }
      if (rows.missing) refetchApplications(organizationId);
    } else if (rows) {
      refetchApplications(organizationId);
    }
    refetchSummary(organizationId);
    refetchStore();
  }

  function applicationsRemoved(organizationId: string, event: LiveEvent) {
    const data = event.cloudEvent.data as ApplicationsChangedData | undefined;
    const rows = applicationRows(organizationId, data?.applications?.map((application) => application.applicationId) ?? event.applicationIds);
    if (rows && rows.found.length > 0) {
      const removed = new Set(rows.found.map((row) => row.__ref));
      cache.modify({
        id: cachedOrganization(organizationId),
        fields: { backupApplications: (existing: readonly Reference[]) => existing.filter((row) => !removed.has(row.__ref)) },
      });
      for (const ref of removed) cache.evict({ id: ref });
      cache.gc();
    }
    refetchSummary(organizationId);
    refetchStore();
  }

  function storeCertificateRemoved(event: LiveEvent) {
    const certificateId = (event.cloudEvent.data as StoreCertificateData | undefined)?.certificate?.id;
    const id = certificateId ? cache.identify({ __typename: 'Certificate', id: certificateId }) : undefined;
    if (id) {
      cache.modify({
        fields: {
          certificateStore: (existing: readonly Reference[], { readField }) =>
            existing.filter((row) => readField<string>('id', row) !== certificateId),
        },
      });
      cache.evict({ id });
      cache.gc();
    } else {
      refetchStore();
    }
  }

  return {
    apply(event) {
      appliedEvents.applied(event.position);
      const organizationId = event.organizationId;
      switch (event.type) {
        case 'CERTIFICATE_UPDATED':
          if (organizationId) certificateUpdated(organizationId, event);
          break;
        case 'APPLICATIONS_ADDED':
          if (!organizationId) break;
          // The event names the applications but not their rows (ids, when added): read the list again.
          if (applicationRows(organizationId, [])) refetchApplications(organizationId);
          refetchSummary(organizationId);
          break;
        case 'APPLICATIONS_REMOVED':
          if (organizationId) applicationsRemoved(organizationId, event);
          break;
        case 'CERTIFICATE_EXPIRING':
        case 'CERTIFICATE_EXPIRED':
          if (!organizationId) break;
          // A status changed with time, not with the rows: the server computes it, so read the views again.
          if (applicationRows(organizationId, [])) refetchApplications(organizationId);
          refetchSummary(organizationId);
          break;
        case 'ORGANIZATION_ADDED':
          refetchOrganizations();
          break;
        case 'ORGANIZATION_CONNECTION_UPDATED':
          // Another management certificate: the summary shows it, the store which organizations each one manages.
          if (organizationId) refetchSummary(organizationId);
          refetchStore();
          break;
        case 'ORGANIZATION_REMOVED': {
          const id = organizationId ? cachedOrganization(organizationId) : undefined;
          // Views showing it read it again and find it gone.
          if (id) cache.evict({ id });
          cache.gc();
          refetchOrganizations();
          break;
        }
        case 'STORE_CERTIFICATE_IMPORTED':
        case 'STORE_CERTIFICATE_GENERATED':
          refetchStore();
          break;
        case 'STORE_CERTIFICATE_REMOVED':
          storeCertificateRemoved(event);
          break;
      }
    },
    resync() {
      appliedEvents.missed();
      refetchWatched('resync', (query) => LIVE_QUERIES.includes(query.queryName ?? ''));
    },
    dispose() {
      disposed = true;
      for (const timer of waiting.values()) clearTimeout(timer);
      waiting.clear();
    },
  };
}
