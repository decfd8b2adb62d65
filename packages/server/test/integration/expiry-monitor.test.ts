import { randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCommandLine } from '../support/command-line.js';
import { eventFields, type ReceivedEvent, subscribeToEvents } from '../support/event-subscriber.js';
import { ManualClock } from '../support/manual-clock.js';
import { readCertificateMetadata } from '../../src/key-custody/certificate-metadata.js';
import { type SeededOrganization, seedCertificateDer, seedContosoAndFabrikam, seedOrganization } from '../support/seed.js';
import type { ServerProcess } from '../support/server-process.js';
import { startServerInstances } from '../support/server-instances.js';
import { createTestDatabase } from '../support/test-database.js';
import { type GraphQLResponse, startTestServer, testDatabaseKind, useTestServer } from '../support/test-server.js';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const expiryTypes = ['CERTIFICATE_EXPIRING', 'CERTIFICATE_EXPIRED'];

const clock = new ManualClock();
const server = useTestServer({ clock });
let contoso: SeededOrganization;
let fabrikam: SeededOrganization;

beforeEach(async () => {
  clock.set(new Date());
  ({ contoso, fabrikam } = await seedContosoAndFabrikam(server.database.dataSource, { contoso: 3 }));
});

type GraphQL = <Data>(query: string, variables?: Record<string, unknown>) => Promise<GraphQLResponse<Data>>;

interface StoreCertificate {
  id: string;
  thumbprint: string;
  notAfter: string;
}

/** A self-signed certificate in the store, expiring `days` from now (real time: the server refuses to generate it otherwise). */
async function generateCertificate(graphql: GraphQL, commonName: string, days: number): Promise<StoreCertificate> {
  const { data } = await graphql<{ generateCertificate: { certificate: StoreCertificate | null; errors: { code: string }[] } }>(
    'mutation($input: GenerateCertificateInput!) { generateCertificate(input: $input) { certificate { id thumbprint notAfter } errors { code } } }',
    { input: { commonName, notAfter: new Date(Date.now() + days * DAY_MS).toISOString() } },
  );
  expect(data!.generateCertificate.errors).toEqual([]);
  return data!.generateCertificate.certificate!;
}

async function useCertificate(organization: SeededOrganization, applicationIndexes: number[], certificate: StoreCertificate) {
  const { data } = await server.graphql<{ updateCertificate: { errors: { code: string }[] } }>(
    'mutation($input: UpdateCertificateInput!) { updateCertificate(input: $input) { errors { code } } }',
    {
      input: {
        organizationId: organization.organization.id,
        storeCertificateId: certificate.id,
        applications: applicationIndexes.map((index) => ({ applicationId: organization.applications[index]!.applicationId })),
      },
    },
  );
  expect(data!.updateCertificate.errors).toEqual([]);
}

async function recordedEvents(filter?: object): Promise<ReceivedEvent[]> {
  const { data, errors } = await server.graphql<{ certificateEvents: { edges: { node: ReceivedEvent }[] } }>(
    `query($filter: CertificateEventFilter) { certificateEvents(first: 100, filter: $filter) { edges { node { ${eventFields} } } } }`,
    { filter },
  );
  expect(errors).toBeUndefined();
  return data!.certificateEvents.edges.map((edge) => edge.node);
}

/** The monitor's check, as of the test's clock, in the running server. */
function checkAt(time: number) {
  clock.set(new Date(time));
  return server.services.expiryMonitor.checkNow();
}

const summary = (event: ReceivedEvent) => [event.type, event.cloudEvent.data.thresholdDays ?? null, event.applicationIds];

describe('expiry monitor', () => {
  it('raises 30, 7 and 1 days before expiry and at expiry, once per organization, seen live per organization and in the log', async () => {
    const certificate = await generateCertificate(server.graphql, 'Expiry Shared', 40);
    await useCertificate(contoso, [0, 1], certificate);
    await useCertificate(fabrikam, [0], certificate);
    const after = (await recordedEvents()).at(-1)!.id;
    const forContoso = subscribeToEvents(server.graphqlUrl, server.adminToken, {
      filter: { organizationIds: [contoso.organization.id], types: expiryTypes },
      after,
    });
    const forFabrikam = subscribeToEvents(server.graphqlUrl, server.adminToken, {
      filter: { organizationIds: [fabrikam.organization.id], types: expiryTypes },
      after,
    });
    try {
      const notAfter = new Date(certificate.notAfter).getTime();
      expect(await checkAt(Date.now())).toMatchObject({ ran: true, noticesRaised: 0 });
      for (const time of [notAfter - 30 * DAY_MS, notAfter - 7 * DAY_MS + HOUR_MS, notAfter - 2 * HOUR_MS, notAfter + HOUR_MS]) {
        expect(await checkAt(time)).toMatchObject({ ran: true, noticesRaised: 2 });
        // A second check at the same moment finds everything raised.
        expect(await checkAt(time)).toMatchObject({ ran: true, noticesRaised: 0 });
      }
      expect(await checkAt(notAfter + 3 * DAY_MS)).toMatchObject({ ran: true, noticesRaised: 0 });

      const contosoApplications = [contoso.applications[0]!.applicationId, contoso.applications[1]!.applicationId].sort();
      const received = await forContoso.waitFor(4);
      expect(received.map((event) => [event.type, event.cloudEvent.data.thresholdDays ?? null, [...event.applicationIds].sort()])).toEqual([
        ['CERTIFICATE_EXPIRING', 30, contosoApplications],
        ['CERTIFICATE_EXPIRING', 7, contosoApplications],
        ['CERTIFICATE_EXPIRING', 1, contosoApplications],
        ['CERTIFICATE_EXPIRED', null, contosoApplications],
      ]);
      expect((await forFabrikam.waitFor(4)).map(summary)).toEqual([
        ['CERTIFICATE_EXPIRING', 30, [fabrikam.applications[0]!.applicationId]],
        ['CERTIFICATE_EXPIRING', 7, [fabrikam.applications[0]!.applicationId]],
        ['CERTIFICATE_EXPIRING', 1, [fabrikam.applications[0]!.applicationId]],
        ['CERTIFICATE_EXPIRED', null, [fabrikam.applications[0]!.applicationId]],
      ]);

      const [thirtyDays, , , expired] = received as [ReceivedEvent, ReceivedEvent, ReceivedEvent, ReceivedEvent];
      expect(thirtyDays).toMatchObject({ organizationId: contoso.organization.id, actor: 'system' });
      expect(thirtyDays.cloudEvent).toMatchObject({
        specversion: '1.0',
        type: 'com.backup-applications-manager.certificate.expiring',
        source: `/organizations/${contoso.organization.id}`,
        subject: certificate.thumbprint,
        data: {
          organizationId: contoso.organization.id,
          actor: 'system',
          certificate: {
            id: certificate.id,
            thumbprint: certificate.thumbprint,
            subject: 'CN=Expiry Shared',
            issuedTo: 'Expiry Shared',
            notAfter: certificate.notAfter,
          },
          thresholdDays: 30,
          daysLeft: 30,
        },
      });
      expect(expired.cloudEvent.type).toBe('com.backup-applications-manager.certificate.expired');
      expect(expired.cloudEvent.data).toMatchObject({ daysLeft: 0 });
      expect(expired.cloudEvent.data).not.toHaveProperty('thresholdDays');

      // The log holds each notice once; nothing else was delivered to either subscriber.
      expect((await recordedEvents({ types: expiryTypes })).map((event) => [event.organizationId, ...summary(event).slice(0, 2)]).sort()).toEqual(
        [contoso, fabrikam]
          .flatMap(({ organization }) =>
            [30, 7, 1, null].map((days) => [organization.id, days === null ? 'CERTIFICATE_EXPIRED' : 'CERTIFICATE_EXPIRING', days]),
          )
          .sort(),
      );
      expect(forContoso.events).toHaveLength(4);
      expect(forFabrikam.events).toHaveLength(4);
    } finally {
      await forContoso.dispose();
      await forFabrikam.dispose();
    }
  });

  it('raises only the most urgent threshold a certificate is already past, and never the ones it skipped', async () => {
    const certificate = await generateCertificate(server.graphql, 'Expiry Late', 5.5);
    await useCertificate(contoso, [2], certificate);
    const notAfter = new Date(certificate.notAfter).getTime();

    expect(await checkAt(Date.now())).toMatchObject({ ran: true, noticesRaised: 1 });
    expect(await checkAt(notAfter - 2 * DAY_MS)).toMatchObject({ ran: true, noticesRaised: 0 });
    expect(await checkAt(notAfter + 10 * DAY_MS)).toMatchObject({ ran: true, noticesRaised: 1 });

    const events = await recordedEvents({ organizationIds: [contoso.organization.id], types: expiryTypes });
    expect(events.map((event) => [event.type, event.cloudEvent.data.thresholdDays ?? null, event.cloudEvent.data.daysLeft])).toEqual([
      ['CERTIFICATE_EXPIRING', 7, 5],
      ['CERTIFICATE_EXPIRED', null, 0],
    ]);
  });

  it('stops warning an application whose certificate was replaced; a certificate nobody uses is announced with no organization', async () => {
    const old = await generateCertificate(server.graphql, 'Expiry Replaced', 40);
    const replacement = await generateCertificate(server.graphql, 'Expiry Replacement', 300);
    await useCertificate(contoso, [0, 1], old);
    const notAfter = new Date(old.notAfter).getTime();

    await checkAt(notAfter - 30 * DAY_MS);
    await useCertificate(contoso, [0], replacement);
    await checkAt(notAfter - 7 * DAY_MS);
    await useCertificate(contoso, [1], replacement);
    await checkAt(notAfter - HOUR_MS);

    const [first, second] = [contoso.applications[0]!.applicationId, contoso.applications[1]!.applicationId];
    expect((await recordedEvents({ organizationIds: [contoso.organization.id], types: expiryTypes })).map(summary)).toEqual([
      ['CERTIFICATE_EXPIRING', 30, [first, second]],
      ['CERTIFICATE_EXPIRING', 7, [second]],
    ]);
    // Filtering by organization leaves it out, like certificate store events.
    const storeNotice = (await recordedEvents({ types: expiryTypes })).at(-1)!;
    expect(storeNotice).toMatchObject({ organizationId: null, applicationIds: [] });
    expect(storeNotice.cloudEvent).toMatchObject({
      source: '/certificate-store',
      data: { organizationId: null, certificate: { id: old.id }, thresholdDays: 1, applications: [] },
    });
  });

  it("announces an organization's management certificate (its Entra connection) to that organization", async () => {
    const management = await generateCertificate(server.graphql, 'Expiry Management', 20);
    const managementApplicationId = randomUUID();
    await server.database.dataSource.query(
      `INSERT INTO entra_connections (organization_id, cloud, management_app_id, management_certificate_id) VALUES ($1, 'WORLDWIDE', $2, $3)`,
      [fabrikam.organization.id, managementApplicationId, management.id],
    );

    expect(await checkAt(Date.now())).toMatchObject({ ran: true, noticesRaised: 1 });
    const [notice] = await recordedEvents({ types: expiryTypes });
    expect(notice).toMatchObject({ organizationId: fabrikam.organization.id, applicationIds: [] });
    expect(notice!.cloudEvent.data).toMatchObject({
      certificate: { id: management.id },
      thresholdDays: 30,
      applications: [],
      managementApplicationId,
    });
  });

  it('lets one of two checks of the same interval run it, and two checks at once raise each notice once', async () => {
    const certificate = await generateCertificate(server.graphql, 'Expiry Concurrent', 20);
    await useCertificate(contoso, [0], certificate);
    await useCertificate(fabrikam, [0], certificate);
    const { expiryMonitor } = server.services;

    const slot = new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS);
    const scheduled = await Promise.all([expiryMonitor.runScheduledCheck(slot), expiryMonitor.runScheduledCheck(slot)]);
    expect(scheduled.filter((outcome) => outcome.ran)).toHaveLength(1);
    expect(scheduled.find((outcome) => !outcome.ran)).toMatchObject({
      reason: expect.stringMatching(/^(ANOTHER_CHECK_RUNNING|ALREADY_CHECKED)$/) as unknown,
    });
    expect(await expiryMonitor.runScheduledCheck(slot)).toMatchObject({ ran: false, reason: 'ALREADY_CHECKED' });

    clock.set(new Date(new Date(certificate.notAfter).getTime() - 3 * DAY_MS));
    const onDemand = await Promise.all([expiryMonitor.checkNow(), expiryMonitor.checkNow()]);
    expect(onDemand.map((outcome) => (outcome.ran ? outcome.noticesRaised : -1)).sort()).toEqual([0, 2]);

    const events = await recordedEvents({ types: expiryTypes });
    expect(events.map((event) => [event.organizationId, event.cloudEvent.data.thresholdDays]).sort()).toEqual(
      [
        [contoso.organization.id, 30],
        [contoso.organization.id, 7],
        [fabrikam.organization.id, 30],
        [fabrikam.organization.id, 7],
      ].sort(),
    );
  });
});

describe.runIf(testDatabaseKind === 'postgres')('expiry monitor on several server processes sharing one PostgreSQL', () => {
  it('runs each scheduled check on one instance only, and raises each notice exactly once', async () => {
    const instances = await startServerInstances({
      // Every second, aligned to the clock: both instances try each check at the same moment.
      environment: { EXPIRY_CHECK_INTERVAL_SECONDS: '1', LOG_LEVEL: 'debug' },
    });
    const [one, other] = instances.processes as [ServerProcess, ServerProcess];
    const otherUrl = instances.urls[1]!;
    const sql = new pg.Client({ connectionString: instances.database.url });
    try {
      await sql.connect();
      // Two certificates used by an organization's applications and one used by none, in one transaction:
      // a check between separate inserts would see the first two unused for a moment.
      const [thirtyDays, sevenDays, oneDay] = [randomUUID(), randomUUID(), randomUUID()];
      const organizationId = randomUUID();
      await sql.query('BEGIN');
      for (const [id, days] of [
        [thirtyDays, 20],
        [sevenDays, 5.5],
        [oneDay, 0.5],
      ] as const) {
        const der = seedCertificateDer(`Shared Expiry ${days}`, -1, days);
        const metadata = readCertificateMetadata(new X509Certificate(der));
        await sql.query(
          `INSERT INTO certificates (id, thumbprint_sha1, thumbprint_sha256, subject, issuer, issued_to, issued_by, serial_number, not_before, not_after, key_algorithm, key_size, der)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
          [
            id,
            metadata.thumbprint,
            metadata.thumbprintSha256,
            metadata.subject,
            metadata.issuer,
            metadata.issuedTo,
            metadata.issuedBy,
            metadata.serialNumber,
            metadata.notBefore,
            metadata.notAfter,
            metadata.keyAlgorithm,
            metadata.keySize,
            der,
          ],
        );
      }
      await sql.query(`INSERT INTO organizations (id, name, tenant_id, region) VALUES ($1, 'contoso.onmicrosoft.com', $2, 'Worldwide')`, [
        organizationId,
        randomUUID(),
      ]);
      await sql.query(
        `INSERT INTO backup_applications (organization_id, application_id, display_name, certificate_id)
         VALUES ($1, gen_random_uuid(), 'Contoso 1', $2), ($1, gen_random_uuid(), 'Contoso 2', $3)`,
        [organizationId, thirtyDays, sevenDays],
      );
      await sql.query('COMMIT');

      // Read through the other instance's API: the event log as integrations see it.
      const notices = async () => {
        const { data } = await instances.graphqlOn(otherUrl)<{ certificateEvents: { edges: { node: ReceivedEvent }[] } }>(
          `query($filter: CertificateEventFilter) { certificateEvents(first: 100, filter: $filter) { edges { node { ${eventFields} } } } }`,
          { filter: { types: expiryTypes } },
        );
        return data!.certificateEvents.edges.map(({ node }) => ({
          certificate_id: (node.cloudEvent.data.certificate as { id: string }).id,
          organization_id: node.organizationId,
          threshold: node.cloudEvent.data.thresholdDays,
        }));
      };
      const checksLogged = (lines: readonly string[]) => lines.filter((line) => line.includes('"expiry check ')).length;
      // Until the three notices are raised, then five more checks on each instance: time for any duplicate to appear.
      const deadline = Date.now() + 60_000;
      while ((await notices()).length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      const [oneSeen, otherSeen] = [checksLogged(one.lines), checksLogged(other.lines)];
      while ((checksLogged(one.lines) < oneSeen + 5 || checksLogged(other.lines) < otherSeen + 5) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }

      expect((await notices()).map((notice) => [notice.certificate_id, notice.organization_id, notice.threshold]).sort()).toEqual(
        [
          [thirtyDays, organizationId, 30],
          [sevenDays, organizationId, 7],
          [oneDay, null, 1],
        ].sort(),
      );

      // Both instances tried the same intervals, and each interval ran on exactly one of them.
      const attempts = new Map<string, { ran: ('one' | 'other')[]; skipped: ('one' | 'other')[] }>();
      for (const [name, lines] of [
        ['one', one.lines],
        ['other', other.lines],
      ] as const) {
        for (const line of lines.filter((text) => text.includes('"expiry check '))) {
          const { msg, slot } = JSON.parse(line) as { msg: string; slot: string };
          const attempt = attempts.get(slot) ?? { ran: [], skipped: [] };
          (msg === 'expiry check ran' ? attempt.ran : attempt.skipped).push(name);
          attempts.set(slot, attempt);
        }
      }
      const contested = [...attempts.values()].filter((attempt) => attempt.ran.length + attempt.skipped.length === 2);
      expect(contested.length).toBeGreaterThanOrEqual(5);
      for (const attempt of attempts.values()) expect(attempt.ran.length).toBeLessThanOrEqual(1);
      for (const attempt of contested) expect(attempt.ran).toHaveLength(1);
      // The run records agree: one row per interval, by the instance that ran it.
      const runs = (await sql.query<{ slot: Date; instance: string }>(`SELECT slot_start AS slot, instance FROM expiry_check_runs`)).rows;
      const pids = { one: one.child.pid, other: other.child.pid };
      for (const run of runs) {
        const ranOn = attempts.get(run.slot.toISOString())?.ran[0];
        if (ranOn) expect(run.instance).toBe(`${os.hostname()}:${pids[ranOn]}`);
      }
    } finally {
      await sql.end();
      await instances.stop();
    }
  });
});

describe.runIf(testDatabaseKind === 'postgres')('check-expiry command', () => {
  it('runs the check from the command line, raising what is due once', async () => {
    const database = await createTestDatabase();
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bam-expiry-cli-'));
    const environment = { DATABASE_URL: database.url, DATA_DIR: dataDir, MASTER_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'warn' };
    const running = await startTestServer({ databaseUrl: database.url, dataDir, environment });
    try {
      const organization = await seedOrganization(running.database.dataSource, 'contoso.onmicrosoft.com', [
        { displayName: 'Contoso 1', certificate: { validFromDays: -300, validToDays: 20 } },
      ]);
      const checkExpiry = async () => {
        const { code, stdout, stderr } = await runCommandLine(['check-expiry'], environment);
        expect(code, stderr).toBe(0);
        return stdout;
      };

      expect(await checkExpiry()).toMatch(/^Expiry check as of \S+: 1 notice\(s\) raised\.$/m);
      expect(await checkExpiry()).toMatch(/: 0 notice\(s\) raised\.$/m);
      const { data } = await running.graphql<{ certificateEvents: { edges: { node: ReceivedEvent }[] } }>(
        `query { certificateEvents(first: 10, filter: { types: [CERTIFICATE_EXPIRING, CERTIFICATE_EXPIRED] }) { edges { node { ${eventFields} } } } }`,
      );
      expect(data!.certificateEvents.edges.map(({ node }) => [node.organizationId, node.cloudEvent.data.thresholdDays, node.applicationIds])).toEqual(
        [[organization.organization.id, 30, [organization.applications[0]!.applicationId]]],
      );
    } finally {
      await running.dispose();
      await database.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
