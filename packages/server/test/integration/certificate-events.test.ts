import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { Certificate } from '../../src/certificates/certificate.entity.js';
import { Role } from '../../src/common/actor.js';
import { CertificateEvent } from '../../src/events/certificate-event.entity.js';
import { EVENT_NOTICE_SQL, parseEventNotice } from '../../src/events/event-notice.js';
import { APPLICATIONS_LISTED_ONCE_FROM } from '../../src/events/event-outbox.service.js';
import { EVENTS_CHANNEL } from '../../src/events/event-wakeup.js';
import { eventFields, type ReceivedEvent, subscribeToEvents } from '../support/event-subscriber.js';
import { type SeededOrganization, seedContosoAndFabrikam, seedManyApplications } from '../support/seed.js';
import { startServerInstances } from '../support/server-instances.js';
import { testDatabaseKind, useTestServer } from '../support/test-server.js';

const server = useTestServer();
let contoso: SeededOrganization;
let fabrikam: SeededOrganization;

beforeEach(async () => {
  ({ contoso, fabrikam } = await seedContosoAndFabrikam(server.database.dataSource, {
    contoso: 4,
    fabrikam: 2,
    contosoCertificate: { validFromDays: -10, validToDays: 20 },
  }));
});

/** A subscriber signed in as the test administrator unless another token is given. */
const subscribe = (graphqlUrl: string, variables: { filter?: object; after?: string | null }, bearer = server.adminToken) =>
  subscribeToEvents(graphqlUrl, bearer, variables);

const listQuery = `query($first: Int, $after: String, $filter: CertificateEventFilter) {
  certificateEvents(first: $first, after: $after, filter: $filter) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${eventFields} } } }
}`;

async function recordedEvents(filter?: object): Promise<ReceivedEvent[]> {
  const { data, errors } = await server.graphql<{ certificateEvents: { edges: { node: ReceivedEvent }[] } }>(listQuery, { first: 100, filter });
  expect(errors).toBeUndefined();
  return data!.certificateEvents.edges.map((edge) => edge.node);
}

/** Removes the applications (client ids) from Contoso, or from the organization given; the error codes. */
async function removeApplicationIds(applicationIds: string[], organizationId = contoso.organization.id) {
  const { data } = await server.graphql<{ removeApplications: { errors: { code: string }[] } }>(
    'mutation($input: RemoveApplicationsInput!) { removeApplications(input: $input) { errors { code } } }',
    { input: { organizationId, applicationIds } },
  );
  return data!.removeApplications.errors.map((error) => error.code);
}

/** Removes the organization's seeded applications at `indexes`; the error codes. */
const removeApplications = (organization: SeededOrganization, indexes: number[]) =>
  removeApplicationIds(
    indexes.map((index) => organization.applications[index]!.applicationId),
    organization.organization.id,
  );

async function generateCertificate(graphql: typeof server.graphql, commonName: string): Promise<{ id: string; thumbprint: string }> {
  const { data } = await graphql<{ generateCertificate: { certificate: { id: string; thumbprint: string } | null; errors: { code: string }[] } }>(
    'mutation($input: GenerateCertificateInput!) { generateCertificate(input: $input) { certificate { id thumbprint } errors { code } } }',
    { input: { commonName, notAfter: new Date(Date.now() + 90 * 24 * 3600 * 1000).toISOString() } },
  );
  expect(data!.generateCertificate.errors).toEqual([]);
  return data!.generateCertificate.certificate!;
}

/** Gives Contoso's applications the store certificate; the error codes. */
async function updateApplicationsFromStore(
  applications: { applicationId: string; expectedThumbprint?: string | null }[],
  storeCertificateId: string,
) {
  const { data } = await server.graphql<{ updateCertificate: { errors: { code: string }[] } }>(
    'mutation($input: UpdateCertificateInput!) { updateCertificate(input: $input) { errors { code } } }',
    { input: { organizationId: contoso.organization.id, storeCertificateId, applications } },
  );
  return data!.updateCertificate.errors.map((error) => error.code);
}

/** Gives Contoso's seeded applications at `applicationIndexes` the store certificate; the error codes. */
const updateFromStore = (applicationIndexes: number[], storeCertificateId: string, expectedThumbprint?: string | null) =>
  updateApplicationsFromStore(
    applicationIndexes.map((index) => ({
      applicationId: contoso.applications[index]!.applicationId,
      ...(expectedThumbprint !== undefined && { expectedThumbprint }),
    })),
    storeCertificateId,
  );

/** Records an event and returns its id: subscribing after it gets every later event, whenever the subscription starts. */
async function marker(): Promise<string> {
  await generateCertificate(server.graphql, `Marker ${randomBytes(4).toString('hex')}`);
  return (await recordedEvents()).at(-1)!.id;
}

describe('certificate events', () => {
  it('records each change as a CloudEvents 1.0 event, with old and new thumbprints for a certificate update', async () => {
    const certificate = await generateCertificate(server.graphql, 'Events Update');
    expect(await updateFromStore([0, 1], certificate.id)).toEqual([]);

    const events = await recordedEvents();
    expect(events.map((event) => event.type)).toEqual(['STORE_CERTIFICATE_GENERATED', 'CERTIFICATE_UPDATED']);
    const [generated, updated] = events as [ReceivedEvent, ReceivedEvent];
    expect(BigInt(updated.position)).toBeGreaterThan(BigInt(generated.position));
    expect(generated).toMatchObject({ organizationId: null, applicationIds: [], actor: expect.stringMatching(/^token:/) as unknown });
    expect(generated.cloudEvent).toMatchObject({
      specversion: '1.0',
      id: generated.id,
      type: 'com.backup-applications-manager.store-certificate.generated',
      source: '/certificate-store',
      sequence: generated.position,
    });
    expect(updated.organizationId).toBe(contoso.organization.id);
    expect(updated.applicationIds).toEqual([contoso.applications[0]!.applicationId, contoso.applications[1]!.applicationId]);
    const seeded = await server.database.dataSource.getRepository(Certificate).findOneByOrFail({ id: contoso.applications[0]!.certificateId! });
    const seededThumbprint = seeded.thumbprint;
    expect(updated.cloudEvent).toMatchObject({
      type: 'com.backup-applications-manager.certificate.updated',
      source: `/organizations/${contoso.organization.id}`,
      data: {
        organizationId: contoso.organization.id,
        actor: expect.stringMatching(/^token:/) as unknown,
        applications: [
          { applicationId: contoso.applications[0]!.applicationId, previousThumbprint: seededThumbprint },
          { applicationId: contoso.applications[1]!.applicationId, previousThumbprint: null },
        ],
        // What the console needs to show the new certificate without reading it again.
        certificate: {
          id: certificate.id,
          thumbprint: certificate.thumbprint,
          issuedTo: 'Events Update',
          issuedBy: 'Events Update',
          notBefore: expect.any(String) as unknown,
          notAfter: expect.any(String) as unknown,
        },
        source: 'STORE',
        entra: null,
      },
    });
  });

  it('delivers live events over WebSocket, filtered by organization and by type', async () => {
    const after = await marker();
    const byOrganization = subscribe(server.graphqlUrl, { filter: { organizationIds: [contoso.organization.id] }, after });
    const byType = subscribe(server.graphqlUrl, { filter: { types: ['STORE_CERTIFICATE_GENERATED'] }, after });
    try {
      expect(await removeApplications(fabrikam, [0])).toEqual([]);
      expect(await removeApplications(contoso, [2])).toEqual([]);
      await generateCertificate(server.graphql, 'Events Filter');
      expect(await removeApplications(contoso, [3])).toEqual([]);

      await byOrganization.waitFor(2);
      await byType.waitFor(1);
      // Everything is recorded; anything wrongly delivered would have arrived with what was rightly delivered.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(byOrganization.events.map((event) => [event.type, event.applicationIds])).toEqual([
        ['APPLICATIONS_REMOVED', [contoso.applications[2]!.applicationId]],
        ['APPLICATIONS_REMOVED', [contoso.applications[3]!.applicationId]],
      ]);
      expect(byType.events.map((event) => event.type)).toEqual(['STORE_CERTIFICATE_GENERATED']);
    } finally {
      await byOrganization.dispose();
      await byType.dispose();
    }
  });

  it('keeps a live subscription that waits for event after event from piling up listeners', async () => {
    // Each wait for the next event used to add an abort listener to the subscription's signal, kept
    // until the subscription ended: past ten, Node warns of an EventTarget memory leak. The server
    // runs in this process, so its warnings are this process's.
    const leaks: Error[] = [];
    const onWarning = (warning: Error) => {
      if (warning.name === 'MaxListenersExceededWarning') leaks.push(warning);
    };
    process.on('warning', onWarning);
    const live = subscribe(server.graphqlUrl, { filter: { types: ['STORE_CERTIFICATE_GENERATED'] }, after: await marker() });
    try {
      for (let count = 1; count <= 12; count += 1) {
        await generateCertificate(server.graphql, `Events Wait ${count}`);
        await live.waitFor(count);
      }
      expect(leaks.map((warning) => warning.message)).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await live.dispose();
    }
  });

  it('resumes after a disconnection with what was missed, then live events: no gap, no duplicate', async () => {
    const first = subscribe(server.graphqlUrl, { after: await marker() });
    expect(await removeApplications(contoso, [1])).toEqual([]);
    expect(await removeApplications(contoso, [2])).toEqual([]);
    const beforeDisconnection = [...(await first.waitFor(2))];
    await first.dispose();

    // While disconnected.
    const certificate = await generateCertificate(server.graphql, 'Events Resume');
    expect(await updateFromStore([3], certificate.id)).toEqual([]);

    const resumed = subscribe(server.graphqlUrl, { after: beforeDisconnection.at(-1)!.id });
    try {
      await resumed.waitFor(2);
      expect(await removeApplications(fabrikam, [1])).toEqual([]); // live
      await resumed.waitFor(3);
      await new Promise((resolve) => setTimeout(resolve, 300));

      const all = await recordedEvents();
      const markerIndex = all.findIndex((event) => event.id === beforeDisconnection[0]!.id) - 1;
      const received = [...beforeDisconnection, ...resumed.events].map((event) => event.id);
      expect(received).toEqual(all.slice(markerIndex + 1).map((event) => event.id));
      expect(resumed.events.map((event) => event.type)).toEqual(['STORE_CERTIFICATE_GENERATED', 'CERTIFICATE_UPDATED', 'APPLICATIONS_REMOVED']);
    } finally {
      await resumed.dispose();
    }
  });

  it('ends a subscription that resumes after an unknown event with EVENT_NOT_FOUND', async () => {
    const subscriber = subscribe(server.graphqlUrl, { after: '00000000-0000-4000-8000-000000000000' });
    try {
      const deadline = Date.now() + 5000;
      while (subscriber.errors.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(subscriber.errors).toMatchObject([{ extensions: { code: 'EVENT_NOT_FOUND' } }]);
    } finally {
      await subscriber.dispose();
    }
  });

  it('tells the newest event each caller may see, to start a first subscription after it', async () => {
    const latest = `{ me { latestCertificateEventId } }`;
    const newest = async (credential?: { bearer: string }) => {
      const { data, errors } = await (credential === undefined
        ? server.graphql<{ me: { latestCertificateEventId: string | null } }>(latest)
        : server.graphqlAs<{ me: { latestCertificateEventId: string | null } }>(credential, latest));
      expect(errors).toBeUndefined();
      return data!.me.latestCertificateEventId;
    };
    const fabrikamViewer = await server.tokenFor(Role.VIEWER, [fabrikam.organization.id]);
    expect(await newest()).toBeNull();

    expect(await removeApplications(fabrikam, [0])).toEqual([]);
    expect(await removeApplications(contoso, [1])).toEqual([]);
    const [fabrikamRemoval, contosoRemoval] = (await recordedEvents()).slice(-2) as [ReceivedEvent, ReceivedEvent];
    expect(await newest()).toBe(contosoRemoval.id);
    // A viewer of Fabrikam only is told Fabrikam's newest, not that Contoso changed since.
    expect(await newest(fabrikamViewer)).toBe(fabrikamRemoval.id);

    // Started after it, a subscription gets what was recorded since, though that came before it started.
    expect(await removeApplications(contoso, [2])).toEqual([]);
    const subscriber = subscribe(server.graphqlUrl, { after: contosoRemoval.id });
    try {
      await expect.poll(() => subscriber.events.map((event) => event.type)).toEqual(['APPLICATIONS_REMOVED']);
      expect(subscriber.events[0]!.applicationIds).toEqual([contoso.applications[2]!.applicationId]);
    } finally {
      await subscriber.dispose();
    }
  });

  it('records nothing for a refused change (the event is in the transaction of the change)', async () => {
    const certificate = await generateCertificate(server.graphql, 'Events Refused');
    const before = await recordedEvents();

    expect(await updateFromStore([0], certificate.id, 'AB'.repeat(20))).toEqual(['CERTIFICATE_CONFLICT']);
    const badPfx = await server.upload<{ updateCertificate: { errors: { code: string }[] } }>(
      'mutation($input: UpdateCertificateInput!) { updateCertificate(input: $input) { errors { code } } }',
      {
        input: {
          organizationId: contoso.organization.id,
          applications: [{ applicationId: contoso.applications[1]!.applicationId }],
          pfx: { file: null },
        },
      },
      { path: 'variables.input.pfx.file', content: randomBytes(512) },
    );
    expect(badPfx.data!.updateCertificate.errors).toHaveLength(1);
    // The second application is unknown: the whole removal is refused after the first was locked.
    expect(await removeApplicationIds([contoso.applications[0]!.applicationId, fabrikam.applications[0]!.applicationId])).toEqual([
      'APPLICATION_IN_OTHER_ORGANIZATION',
    ]);

    expect(await recordedEvents()).toEqual(before);
  });

  it('lists past events in pages, filtered', async () => {
    for (const index of [0, 1, 2]) expect(await removeApplications(contoso, [index])).toEqual([]);
    expect(await removeApplications(fabrikam, [0])).toEqual([]);
    const first = await server.graphql<{
      certificateEvents: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: ReceivedEvent }[] };
    }>(listQuery, { first: 2, filter: { organizationIds: [contoso.organization.id], types: ['APPLICATIONS_REMOVED'] } });
    expect(first.data!.certificateEvents.totalCount).toBe(3);
    expect(first.data!.certificateEvents.pageInfo.hasNextPage).toBe(true);
    const second = await server.graphql<{ certificateEvents: { pageInfo: { hasNextPage: boolean }; edges: { node: ReceivedEvent }[] } }>(listQuery, {
      first: 2,
      after: first.data!.certificateEvents.pageInfo.endCursor,
      filter: { organizationIds: [contoso.organization.id] },
    });
    expect(second.data!.certificateEvents.edges.map((edge) => edge.node.applicationIds)).toEqual([[contoso.applications[2]!.applicationId]]);
    expect(second.data!.certificateEvents.pageInfo.hasNextPage).toBe(false);
  });

  it('refuses a cursor past the largest position PostgreSQL can hold with INVALID_CURSOR, for any reader', async () => {
    const viewer = await server.tokenFor(Role.VIEWER);
    // 19 digits, as a real cursor may have, but above 2^63 - 1.
    for (const position of ['9999999999999999999', '9223372036854775808']) {
      const after = Buffer.from(JSON.stringify([position])).toString('base64url');
      const response = await server.graphqlAs(viewer, listQuery, { after });
      expect(response.errors?.map((error) => error.extensions?.code)).toEqual(['INVALID_CURSOR']);
    }
    const largest = await server.graphqlAs<{ certificateEvents: { edges: unknown[] } }>(viewer, listQuery, {
      after: Buffer.from('["9223372036854775807"]').toString('base64url'),
    });
    expect(largest.errors).toBeUndefined();
    expect(largest.data!.certificateEvents.edges).toEqual([]);
  });

  it('stores the applications of a bulk change once, in its audit entry, and still hands out its events whole', async () => {
    const { dataSource } = server.database;
    const applicationIds = await seedManyApplications(dataSource, contoso.organization.id, APPLICATIONS_LISTED_ONCE_FROM);
    const displayNames = new Map(
      (
        (await dataSource.query(`SELECT application_id AS id, display_name AS name FROM backup_applications WHERE application_id = ANY($1::uuid[])`, [
          applicationIds,
        ])) as { id: string; name: string }[]
      ).map(({ id, name }) => [id, name]),
    );
    const certificate = await generateCertificate(server.graphql, 'Bulk Events');
    const after = (await recordedEvents()).at(-1)!.id;
    const live = subscribe(server.graphqlUrl, { filter: { organizationIds: [contoso.organization.id] }, after });
    try {
      expect(
        await updateApplicationsFromStore(
          applicationIds.map((applicationId) => ({ applicationId })),
          certificate.id,
        ),
      ).toEqual([]);
      expect(await removeApplicationIds(applicationIds)).toEqual([]);

      const [updated, removed] = (await recordedEvents({ organizationIds: [contoso.organization.id] })) as [ReceivedEvent, ReceivedEvent];
      expect(updated.applicationIds).toEqual(applicationIds);
      expect(updated.cloudEvent.data).toMatchObject({
        organizationId: contoso.organization.id,
        applications: applicationIds.map((applicationId) => ({ applicationId, previousThumbprint: null })),
        certificate: { id: certificate.id, thumbprint: certificate.thumbprint },
        source: 'STORE',
        entra: null,
      });
      expect(removed.applicationIds).toEqual(applicationIds);
      expect(removed.cloudEvent.data).toEqual({
        organizationId: contoso.organization.id,
        actor: removed.actor,
        applications: applicationIds.map((applicationId) => ({ applicationId, displayName: displayNames.get(applicationId) })),
      });
      // Live subscribers get what the log lists.
      expect(await live.waitFor(2)).toEqual([updated, removed]);

      // Stored once: the event rows point at their audit entries, which list the applications.
      const stored = (await dataSource.query(
        `SELECT event.application_ids::text AS "applicationIds", event.cloud_event -> 'data' ? 'applications' AS "listed",
                entry.action, jsonb_array_length(entry.details -> 'applications') AS "entryApplications"
         FROM certificate_events event JOIN audit_log entry ON entry.id = event.applications_audit_entry_id
         WHERE event.id = ANY($1::uuid[]) ORDER BY event.position`,
        [[updated.id, removed.id]],
      )) as { applicationIds: string; listed: boolean; action: string; entryApplications: number }[];
      expect(stored).toEqual([
        { applicationIds: '{}', listed: false, action: 'CERTIFICATE_UPDATED', entryApplications: APPLICATIONS_LISTED_ONCE_FROM },
        { applicationIds: '{}', listed: false, action: 'APPLICATIONS_REMOVED', entryApplications: APPLICATIONS_LISTED_ONCE_FROM },
      ]);
    } finally {
      await live.dispose();
    }
  });
});

describe.runIf(testDatabaseKind === 'postgres')('PostgreSQL notifications', () => {
  it('notifies each event with its notice: the event as a read of the outbox returns it, or its position when too large', async () => {
    const { dataSource } = server.database;
    const listener = new pg.Client({ connectionString: (dataSource.options as { url: string }).url });
    await listener.connect();
    try {
      const notices: string[] = [];
      listener.on('notification', (message) => notices.push(message.payload!));
      await listener.query(`LISTEN ${EVENTS_CHANNEL}`);
      await generateCertificate(server.graphql, 'Notified');
      await expect.poll(() => notices.length).toBe(1);
      const notice = parseEventNotice(notices[0]!)!;
      const stored = await dataSource.getRepository(CertificateEvent).findOneByOrFail({ position: notice.position.toString() });
      expect(Object.assign(new CertificateEvent(), notice.event)).toEqual(stored);

      const applicationIds = Array.from({ length: 300 }, () => crypto.randomUUID());
      const [{ large }] = (await dataSource.query(
        `SELECT ${EVENT_NOTICE_SQL} AS large FROM (SELECT 42::bigint AS position, gen_random_uuid() AS id, now() AS time, 'APPLICATIONS_REMOVED' AS type,
           NULL::uuid AS organization_id, $1::uuid[] AS application_ids, 'tester' AS actor, jsonb_build_object('data', $1::text[]) AS cloud_event,
           NULL::uuid AS applications_audit_entry_id) AS recorded`,
        [applicationIds],
      )) as [{ large: string }];
      expect(parseEventNotice(large)).toEqual({ position: 42n });
    } finally {
      await listener.end();
    }
  });
});

describe.runIf(testDatabaseKind === 'postgres')('several server processes on one PostgreSQL', () => {
  it('delivers an event recorded by one instance to a subscriber of another (LISTEN/NOTIFY)', async () => {
    const instances = await startServerInstances();
    const [oneUrl, otherUrl] = instances.urls as [string, string];
    const { graphqlOn } = instances;
    try {
      const token = await graphqlOn(oneUrl)<{ createApiToken: { secret: string } }>(
        'mutation($expiresAt: DateTimeISO!) { createApiToken(input: { name: "events", role: VIEWER, expiresAt: $expiresAt }) { secret } }',
        { expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
      );
      const subscriber = subscribe(`${otherUrl}/graphql`, { filter: { types: ['STORE_CERTIFICATE_GENERATED'] } }, token.data!.createApiToken.secret);
      try {
        // Without `after` a subscription gets events from its start on: give it time to start.
        await new Promise((resolve) => setTimeout(resolve, 500));
        const firstCertificate = await generateCertificate(graphqlOn(oneUrl) as typeof server.graphql, 'Instance One A');
        await subscriber.waitFor(1);
        const secondCertificate = await generateCertificate(graphqlOn(oneUrl) as typeof server.graphql, 'Instance One B');
        await subscriber.waitFor(2);
        expect(subscriber.events.map((event) => (event.cloudEvent.data.certificate as { id: string }).id)).toEqual([
          firstCertificate.id,
          secondCertificate.id,
        ]);
      } finally {
        await subscriber.dispose();
      }
    } finally {
      await instances.stop();
    }
  });
});
