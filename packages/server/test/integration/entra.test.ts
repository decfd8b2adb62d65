import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunningEntraEmulator } from '@bam/entra-emulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addedKeyDisplayName } from '../../src/entra/entra-directory.js';
import {
  backups,
  entraThumbprints,
  importIntoStore,
  management,
  newCertificate,
  reuseKeysAcrossTests,
  signInAs,
  startEmulatorForServer,
  tenant,
} from '../support/entra-fixture.js';
import type { TestCertificate } from '../support/pfx-fixtures.js';
import { databaseSnapshot } from '../support/database-snapshot.js';
import { clearDatabase } from '../support/seed.js';
import { createTestDatabase } from '../support/test-database.js';
import { migratedDataDir, startTestServer, testDatabaseKind, type TestServer } from '../support/test-server.js';

let emulator: RunningEntraEmulator;
let environment: Record<string, string>;
let stopEmulator: () => Promise<void>;
let server: TestServer;

const managementCertificate = newCertificate('Contoso Backup Management');

beforeAll(async () => {
  ({ emulator, environment, stop: stopEmulator } = await startEmulatorForServer());
  server = await startTestServer({ environment });
});
afterAll(async () => {
  await server?.dispose();
  await stopEmulator?.();
});
beforeEach(async () => {
  await clearDatabase(server.database.dataSource);
  emulator.admin.reset();
});
reuseKeysAcrossTests();

interface Payload {
  errors: { code: string; ids: string[]; message: string }[];
}

async function addOrganization(overrides: Record<string, unknown> = {}, registerManagementKey = true) {
  const certificateId = await importIntoStore(server, managementCertificate);
  if (registerManagementKey) emulator.admin.registerKeyCredential(tenant.id, management.appId, { key: managementCertificate.der.toString('base64') });
  const { data, errors } = await server.graphql<{ addOrganization: Payload & { organization: Record<string, unknown> | null } }>(
    `mutation($input: AddOrganizationInput!) { addOrganization(input: $input) {
       organization { id name tenantId region entraConnected entraCloud managementApplicationId } errors { code ids message } } }`,
    { input: { tenant: tenant.domain, managementApplicationId: management.appId, managementCertificateId: certificateId, ...overrides } },
  );
  expect(errors).toBeUndefined();
  return data!.addOrganization;
}

async function connectedOrganization(): Promise<string> {
  const result = await addOrganization();
  expect(result.errors).toEqual([]);
  return result.organization!.id as string;
}

async function addApplications(organizationId: string, applicationIds: string[]) {
  const { data } = await server.graphql<{ addApplications: Payload & { applications: { applicationId: string; displayName: string }[] } }>(
    `mutation($input: AddApplicationsInput!) { addApplications(input: $input) { applications { applicationId displayName } errors { code ids } } }`,
    { input: { organizationId, applicationIds } },
  );
  return data!.addApplications;
}

async function updateCertificate(organizationId: string, applicationIds: string[], storeCertificateId: string, skipRegistration?: boolean) {
  const { data, errors } = await server.graphql<{
    updateCertificate: Payload & {
      applications: { applicationId: string; entraStatus: string | null; certificate: { thumbprint: string } | null }[];
    };
  }>(
    `mutation($input: UpdateCertificateInput!) { updateCertificate(input: $input) {
       applications { applicationId entraStatus certificate { thumbprint } } errors { code ids message } } }`,
    { input: { organizationId, applications: applicationIds.map((applicationId) => ({ applicationId })), storeCertificateId, skipRegistration } },
  );
  expect(errors).toBeUndefined();
  return data!.updateCertificate;
}

async function databaseThumbprints(organizationId: string): Promise<Record<string, string | null>> {
  const rows: { application_id: string; thumbprint: string | null }[] = await server.database.dataSource.query(
    `SELECT a.application_id, c.thumbprint_sha1 AS thumbprint FROM backup_applications a LEFT JOIN certificates c ON c.id = a.certificate_id
     WHERE a.organization_id = $1`,
    [organizationId],
  );
  return Object.fromEntries(rows.map((row) => [row.application_id, row.thumbprint]));
}

/** A connected organization whose applications use `certificate`, registered in Entra as an administrator would in the portal. */
async function applicationsWith(certificate: TestCertificate, count: number) {
  const organizationId = await connectedOrganization();
  const chosen = backups.slice(0, count);
  expect(
    (
      await addApplications(
        organizationId,
        chosen.map((backup) => backup.appId),
      )
    ).errors,
  ).toEqual([]);
  for (const backup of chosen) emulator.admin.registerKeyCredential(tenant.id, backup.appId, { key: certificate.der.toString('base64') });
  const certificateId = await importIntoStore(server, certificate);
  const result = await updateCertificate(
    organizationId,
    chosen.map((backup) => backup.appId),
    certificateId,
    true,
  );
  expect(result.errors).toEqual([]);
  return { organizationId, applicationIds: chosen.map((backup) => backup.appId) };
}

describe('addOrganization', () => {
  it('signs in as the management application, checks access through Graph, and saves the connected organization', async () => {
    const result = await addOrganization();
    expect(result.errors).toEqual([]);
    expect(result.organization).toMatchObject({
      name: tenant.domain,
      tenantId: tenant.id,
      region: 'Worldwide',
      entraConnected: true,
      entraCloud: 'WORLDWIDE',
      managementApplicationId: management.appId,
    });
    const again = await addOrganization();
    expect(again.errors.map((error) => error.code)).toEqual(['ORGANIZATION_EXISTS']);
  });

  it('refuses an unknown tenant, a refused sign-in (with the AADSTS code) and a missing permission (named), saving nothing', async () => {
    const unknown = await addOrganization({ tenant: 'nobody.onmicrosoft.com' });
    expect(unknown.errors[0]).toMatchObject({ code: 'ENTRA_TENANT_NOT_FOUND', ids: ['nobody.onmicrosoft.com', 'AADSTS90002'] });

    emulator.admin.reset();
    const refused = await addOrganization({}, false);
    expect(refused.errors[0]).toMatchObject({ code: 'ENTRA_SIGN_IN_REFUSED', ids: [management.appId, 'AADSTS700027'] });
    expect(refused.errors[0]!.message).toContain('AADSTS700027');

    emulator.admin.revokePermission(tenant.id, management.appId, 'Application.ReadWrite.All');
    const denied = await addOrganization();
    expect(denied.errors[0]).toMatchObject({ code: 'ENTRA_PERMISSION_MISSING', ids: [management.appId, 'Application.ReadWrite.All'] });

    const { data } = await server.graphql<{ organizations: { totalCount: number } }>('{ organizations { totalCount } }');
    expect(data!.organizations.totalCount).toBe(0);
  });

  it('refuses a tenant already added, by primary domain or tenant id, with ORGANIZATION_EXISTS and without asking Entra', async () => {
    const organizationId = await connectedOrganization();
    // Any token or Graph request would meet these faults and answer an Entra error instead.
    const faults = [
      { kind: 'serverError', target: 'token', count: 5, status: 503 },
      { kind: 'serverError', target: 'graph', count: 5, status: 503 },
    ] as const;
    for (const fault of faults) emulator.admin.injectFault(fault);
    for (const tenantGiven of [tenant.domain.toUpperCase(), tenant.id.toUpperCase()]) {
      const again = await addOrganization({ tenant: tenantGiven });
      expect(again).toMatchObject({ organization: null, errors: [{ code: 'ORGANIZATION_EXISTS', ids: [organizationId] }] });
    }
    expect(emulator.admin.state().faults).toEqual(faults);
  });

  it('adds the organization once when the same tenant is added three times at once; the others answer ORGANIZATION_EXISTS', async () => {
    const certificateId = await importIntoStore(server, managementCertificate);
    emulator.admin.registerKeyCredential(tenant.id, management.appId, { key: managementCertificate.der.toString('base64') });
    const keysBefore = entraThumbprints(emulator, management.appId);
    const storeBefore = (await databaseSnapshot(server.database.dataSource)).store;
    // The audit log is append-only and outlives clearDatabase: count only this test's entries.
    const [{ auditBefore }] = (await server.database.dataSource.query(`SELECT coalesce(max(seq), 0)::text AS "auditBefore" FROM audit_log`)) as [
      { auditBefore: string },
    ];
    const input = { tenant: tenant.domain, managementApplicationId: management.appId, managementCertificateId: certificateId };

    const responses = await Promise.all(
      [1, 2, 3].map(() =>
        server.graphql<{ addOrganization: Payload & { organization: { id: string } | null } }>(
          `mutation($input: AddOrganizationInput!) { addOrganization(input: $input) { organization { id } errors { code ids message } } }`,
          { input },
        ),
      ),
    );

    for (const response of responses) expect(response.errors).toBeUndefined();
    const payloads = responses.map((response) => response.data!.addOrganization);
    const added = payloads.filter((payload) => payload.organization !== null);
    expect(added).toHaveLength(1);
    const organizationId = added[0]!.organization!.id;
    const refused = payloads.filter((payload) => payload.organization === null);
    expect(refused.map((payload) => payload.errors.map((error) => error.code))).toEqual([['ORGANIZATION_EXISTS'], ['ORGANIZATION_EXISTS']]);
    for (const payload of refused) expect(payload.errors[0]!.ids).toEqual([organizationId]);

    const rows = async (sql: string) => (await server.database.dataSource.query(sql)) as { organization_id: string }[];
    expect(await rows('SELECT id AS organization_id FROM organizations')).toEqual([{ organization_id: organizationId }]);
    expect(await rows('SELECT organization_id FROM entra_connections')).toEqual([{ organization_id: organizationId }]);
    expect(await rows(`SELECT organization_id FROM certificate_events WHERE type = 'ORGANIZATION_ADDED'`)).toEqual([
      { organization_id: organizationId },
    ]);
    const audited: unknown[] = await server.database.dataSource.query(
      `SELECT organization_id FROM audit_log WHERE action = 'ORGANIZATION_ADDED' AND seq > $1`,
      [auditBefore],
    );
    expect(audited).toEqual([{ organization_id: organizationId }]);
    expect((await databaseSnapshot(server.database.dataSource)).store).toEqual(storeBefore);
    expect(entraThumbprints(emulator, management.appId)).toEqual(keysBefore);
  });

  it('removeOrganization removes it with its applications', async () => {
    const organizationId = await connectedOrganization();
    await addApplications(organizationId, [backups[0]!.appId]);
    const { data } = await server.graphql<{ removeOrganization: Payload & { organization: { id: string } | null } }>(
      `mutation($id: ID!) { removeOrganization(id: $id) { organization { id } errors { code } } }`,
      { id: organizationId },
    );
    expect(data!.removeOrganization).toEqual({ organization: { id: organizationId }, errors: [] });
    const rows: unknown[] = await server.database.dataSource.query('SELECT 1 FROM backup_applications');
    expect(rows).toHaveLength(0);
  });
});

describe('availableApplications and addApplications', () => {
  async function allPages(organizationId: string, filter?: string) {
    const names: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const response: {
        data?: { availableApplications: { applications: { displayName: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
      } = await server.graphql(
        `query($organizationId: ID!, $filter: String, $after: String) { availableApplications(organizationId: $organizationId, filter: $filter, first: 3, after: $after) {
             applications { displayName appId } pageInfo { hasNextPage endCursor } } }`,
        { organizationId, filter, after },
      );
      const page = response.data!.availableApplications;
      names.push(...page.applications.map((application) => application.displayName));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages += 1;
    } while (after);
    return { names, pages };
  }

  it('lists the tenant applications over several Graph pages, filtered by name, without those already added nor the management application', async () => {
    const organizationId = await connectedOrganization();
    const all = await allPages(organizationId);
    expect(all.pages).toBe(3);
    expect(all.names).toEqual(backups.map((backup) => backup.displayName));

    const added = await addApplications(organizationId, [backups[0]!.appId, backups[1]!.appId]);
    expect(added.errors).toEqual([]);
    expect(added.applications.map((application) => application.displayName)).toEqual(['Contoso Backup 01', 'Contoso Backup 02']);
    const filtered = await allPages(organizationId, 'Contoso Backup 0');
    expect(filtered.names).toEqual(backups.slice(2).map((backup) => backup.displayName));
  });

  it('adds nothing when one application does not exist in Entra, or is already added', async () => {
    const organizationId = await connectedOrganization();
    const missing = 'b9000000-0000-4000-8000-000000000009';
    const refused = await addApplications(organizationId, [backups[0]!.appId, missing]);
    expect(refused.errors).toEqual([{ code: 'ENTRA_APPLICATION_NOT_FOUND', ids: [missing] }]);
    expect(await databaseThumbprints(organizationId)).toEqual({});
    await addApplications(organizationId, [backups[0]!.appId]);
    expect((await addApplications(organizationId, [backups[0]!.appId])).errors[0]!.code).toBe('APPLICATION_EXISTS');
  });

  it('answers ENTRA_SIGN_IN_REFUSED with the AADSTS code when the sign-in before a Graph call is refused', async () => {
    // A certificate of its own, so no credential the server cached in earlier tests holds a token for it;
    // and tokens shorter-lived than MSAL's 5-minute refresh margin: each Graph call signs in again.
    const certificate = newCertificate('Contoso Backup Management (short tokens)');
    emulator.admin.registerKeyCredential(tenant.id, management.appId, { key: certificate.der.toString('base64') });
    emulator.admin.configure({ accessTokenLifetimeSeconds: 120 });
    const added = await addOrganization({ managementCertificateId: await importIntoStore(server, certificate) });
    const organizationId = added.organization!.id as string;
    // Back to the seed: the management application's key is gone, as when an administrator deletes it in the portal.
    emulator.admin.reset();
    const refused = await addApplications(organizationId, [backups[0]!.appId]);
    expect(refused.errors).toEqual([{ code: 'ENTRA_SIGN_IN_REFUSED', ids: [organizationId, 'AADSTS700027'] }]);
    expect(await databaseThumbprints(organizationId)).toEqual({});
  });

  it('answers ORGANIZATION_NOT_CONNECTED for an organization without an Entra connection', async () => {
    const rows: { id: string }[] = await server.database.dataSource.query(
      `INSERT INTO organizations (name, tenant_id, region) VALUES ('local.example', gen_random_uuid(), 'Worldwide') RETURNING id`,
    );
    const { errors } = await server.graphql(`query($id: ID!) { availableApplications(organizationId: $id) { applications { appId } } }`, {
      id: rows[0]!.id,
    });
    expect(errors?.[0]?.extensions?.code).toBe('ORGANIZATION_NOT_CONNECTED');
  });
});

describe('certificate rotation on Entra', () => {
  it('skipRegistration proves sign-in with a certificate uploaded in the portal, then switches', async () => {
    const current = newCertificate('Backup 2025');
    const { organizationId } = await applicationsWith(current, 1);
    expect(await databaseThumbprints(organizationId)).toEqual({ [backups[0]!.appId]: current.thumbprint });
    expect(entraThumbprints(emulator, backups[0]!.appId)).toEqual([current.thumbprint]);
  });

  it('registers the new key, proves it, switches, removes the old key: Entra then signs in with the new certificate only', async () => {
    const current = newCertificate('Backup 2025');
    const next = newCertificate('Backup 2026');
    const { organizationId } = await applicationsWith(current, 1);
    emulator.admin.configure({ keyReplicationDelayMs: 800 });
    const result = await updateCertificate(organizationId, [backups[0]!.appId], await importIntoStore(server, next));
    expect(result.errors).toEqual([]);
    expect(result.applications[0]).toMatchObject({ entraStatus: 'REGISTERED', certificate: { thumbprint: next.thumbprint } });
    expect(entraThumbprints(emulator, backups[0]!.appId)).toEqual([next.thumbprint]);
    await expect(signInAs(emulator, backups[0]!.appId, next)).resolves.toMatchObject({ token: expect.any(String) });
    await expect(signInAs(emulator, backups[0]!.appId, current)).rejects.toThrow(/AADSTS700027/);
    const rotations: { state: string }[] = await server.database.dataSource.query(`SELECT state FROM key_rotations ORDER BY started_at`);
    expect(rotations.map((row) => row.state)).toEqual(['OLD_KEY_REMOVED', 'OLD_KEY_REMOVED']);
  });

  it('rolls back when registration fails: the old configuration stays, the error names the step and Entra code', async () => {
    const current = newCertificate('Backup 2025');
    const { organizationId } = await applicationsWith(current, 1);
    emulator.admin.injectFault({ kind: 'serverError', target: 'graph', count: 5, status: 500, pathContains: '/addKey' });
    const result = await updateCertificate(organizationId, [backups[0]!.appId], await importIntoStore(server, newCertificate('Backup 2026')));
    expect(result.errors[0]).toMatchObject({ code: 'ROTATION_REGISTRATION_FAILED', ids: [backups[0]!.appId, expect.any(String)] });
    expect(await databaseThumbprints(organizationId)).toEqual({ [backups[0]!.appId]: current.thumbprint });
    expect(entraThumbprints(emulator, backups[0]!.appId)).toEqual([current.thumbprint]);
  });

  it('rolls back when the application cannot sign in with the new key in time: the new key is withdrawn', async () => {
    const current = newCertificate('Backup 2025');
    const { organizationId } = await applicationsWith(current, 1);
    emulator.admin.configure({ keyReplicationDelayMs: 60_000 });
    const result = await updateCertificate(organizationId, [backups[0]!.appId], await importIntoStore(server, newCertificate('Backup 2026')));
    expect(result.errors[0]).toMatchObject({ code: 'ROTATION_PROOF_FAILED', ids: [backups[0]!.appId, 'AADSTS700027'] });
    expect(await databaseThumbprints(organizationId)).toEqual({ [backups[0]!.appId]: current.thumbprint });
    expect(entraThumbprints(emulator, backups[0]!.appId)).toEqual([current.thumbprint]);
  });

  it('bulk: when one application fails, none changes and the keys added to the others are withdrawn', async () => {
    const current = newCertificate('Backup 2025');
    const { organizationId, applicationIds } = await applicationsWith(current, 3);
    emulator.admin.injectFault({ kind: 'serverError', target: 'graph', count: 5, status: 500, pathContains: `${backups[2]!.id}/addKey` });
    const result = await updateCertificate(organizationId, applicationIds, await importIntoStore(server, newCertificate('Backup 2026')));
    expect(result.errors[0]).toMatchObject({ code: 'ROTATION_REGISTRATION_FAILED', ids: [backups[2]!.appId, expect.any(String)] });
    expect(await databaseThumbprints(organizationId)).toEqual(Object.fromEntries(applicationIds.map((id) => [id, current.thumbprint])));
    for (const applicationId of applicationIds) expect(entraThumbprints(emulator, applicationId)).toEqual([current.thumbprint]);
  });

  it('bulk: the rollback keeps a key an administrator had uploaded in the portal, and withdraws only those the update added', async () => {
    const current = newCertificate('Backup 2025');
    const next = newCertificate('Backup 2026');
    const { organizationId, applicationIds } = await applicationsWith(current, 3);
    emulator.admin.registerKeyCredential(tenant.id, backups[0]!.appId, { key: next.der.toString('base64') });
    emulator.admin.injectFault({ kind: 'serverError', target: 'graph', count: 5, status: 500, pathContains: `${backups[2]!.id}/addKey` });
    const result = await updateCertificate(organizationId, applicationIds, await importIntoStore(server, next));
    expect(result.errors[0]).toMatchObject({ code: 'ROTATION_REGISTRATION_FAILED', ids: [backups[2]!.appId, expect.any(String)] });
    expect(applicationIds.map((applicationId) => entraThumbprints(emulator, applicationId))).toEqual([
      [current.thumbprint, next.thumbprint].sort(),
      [current.thumbprint],
      [current.thumbprint],
    ]);
  });

  it('an organization not connected to Entra keeps the database-only update', async () => {
    const rows: { id: string }[] = await server.database.dataSource.query(
      `INSERT INTO organizations (name, tenant_id, region) VALUES ('local.example', gen_random_uuid(), 'Worldwide') RETURNING id`,
    );
    await server.database.dataSource.query(
      `INSERT INTO backup_applications (organization_id, application_id, display_name) VALUES ($1, $2, 'Local')`,
      [rows[0]!.id, backups[0]!.appId],
    );
    const next = newCertificate('Local 2026');
    const result = await updateCertificate(rows[0]!.id, [backups[0]!.appId], await importIntoStore(server, next));
    expect(result.errors).toEqual([]);
    expect(entraThumbprints(emulator, backups[0]!.appId)).toEqual([]);
  });
});

/**
 * The Graph requests about one backup application since `from` (an index in the emulator's request log), as
 * `GET applications?appId` (the application looked up by its client id) or `POST {id}/addKey` (by its object id).
 */
function graphCallsAbout(backup: (typeof backups)[number], from: number): string[] {
  return emulator.admin
    .requests()
    .slice(from)
    .filter((request) => request.path.startsWith('/v1.0/applications') && (request.path.includes(backup.id) || request.query.includes(backup.appId)))
    .map(
      (request) =>
        `${request.method} ${request.path.replace('/v1.0/', '').replace(backup.id, '{id}')}${request.query.includes(backup.appId) ? '?appId' : ''}`,
    );
}

// Graph throttles per tenant: a rotation of thousands of applications reads each one once per key it adds or removes.
describe('Graph requests of a rotation, per application', () => {
  it('with a proof of possession: one read before adding the new key, one before removing the old key', async () => {
    const current = newCertificate('Backup 2025');
    const { organizationId } = await applicationsWith(current, 1);
    const nextId = await importIntoStore(server, newCertificate('Backup 2026'));
    const from = emulator.admin.requests().length;
    expect((await updateCertificate(organizationId, [backups[0]!.appId], nextId)).errors).toEqual([]);
    expect(graphCallsAbout(backups[0]!, from)).toEqual([
      'GET applications?appId',
      'POST applications/{id}/addKey',
      'GET applications?appId',
      'POST applications/{id}/removeKey',
    ]);
  });

  it('without one (no current certificate): one read, then the keys with their certificates and the PATCH, under a key id of its own', async () => {
    const organizationId = await connectedOrganization();
    expect((await addApplications(organizationId, [backups[0]!.appId])).errors).toEqual([]);
    const firstId = await importIntoStore(server, newCertificate('Backup 2026'));
    const from = emulator.admin.requests().length;
    expect((await updateCertificate(organizationId, [backups[0]!.appId], firstId)).errors).toEqual([]);
    expect(graphCallsAbout(backups[0]!, from)).toEqual(['GET applications?appId', 'GET applications/{id}', 'PATCH applications/{id}']);
    const rotations: { new_key_id: string }[] = await server.database.dataSource.query(`SELECT new_key_id FROM key_rotations`);
    const application = emulator.admin
      .state()
      .tenants.flatMap((candidate) => candidate.applications)
      .find((candidate) => candidate.appId === backups[0]!.appId)!;
    expect(application.keyCredentials.map((key) => key.keyId)).toEqual(rotations.map((row) => row.new_key_id));
  });

  it('rolled back after the proof failed: one read before adding the new key, one before withdrawing it', async () => {
    const current = newCertificate('Backup 2025');
    const { organizationId } = await applicationsWith(current, 1);
    emulator.admin.configure({ keyReplicationDelayMs: 60_000 });
    const nextId = await importIntoStore(server, newCertificate('Backup 2026'));
    const from = emulator.admin.requests().length;
    expect((await updateCertificate(organizationId, [backups[0]!.appId], nextId)).errors[0]).toMatchObject({ code: 'ROTATION_PROOF_FAILED' });
    expect(graphCallsAbout(backups[0]!, from)).toEqual([
      'GET applications?appId',
      'POST applications/{id}/addKey',
      'GET applications?appId',
      'POST applications/{id}/removeKey',
    ]);
    expect(entraThumbprints(emulator, backups[0]!.appId)).toEqual([current.thumbprint]);
  });
});

describe('throttling', () => {
  const query = `query($id: ID!) { availableApplications(organizationId: $id, first: 2) { applications { appId } } }`;

  it('waits for Retry-After and succeeds; gives up with ENTRA_THROTTLED after the bounded retries or a too-long Retry-After', async () => {
    const organizationId = await connectedOrganization();
    emulator.admin.injectFault({ kind: 'throttle', target: 'graph', count: 1, retryAfterSeconds: 1 });
    let started = Date.now();
    expect((await server.graphql(query, { id: organizationId })).errors).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);

    emulator.admin.injectFault({ kind: 'throttle', target: 'graph', count: 10, retryAfterSeconds: 1 });
    started = Date.now();
    const exhausted = await server.graphql(query, { id: organizationId });
    expect(exhausted.errors?.[0]?.extensions?.code).toBe('ENTRA_THROTTLED');
    expect(Date.now() - started).toBeLessThan(6000);
    expect(emulator.admin.state().faults[0]!.count).toBe(7); // one try and two retries

    emulator.admin.reset();
    const organizationAgain = await connectedOrganization().catch(() => organizationId);
    emulator.admin.injectFault({ kind: 'throttle', target: 'graph', count: 1, retryAfterSeconds: 120 });
    started = Date.now();
    const tooLong = await server.graphql(query, { id: organizationAgain });
    expect(tooLong.errors?.[0]?.extensions?.code).toBe('ENTRA_THROTTLED');
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('token endpoint throttling', () => {
  it('retries a 429 from the token endpoint after its Retry-After, and answers ENTRA_THROTTLED once the bounded retries are spent', async () => {
    emulator.admin.injectFault({ kind: 'throttle', target: 'token', count: 1, retryAfterSeconds: 1 });
    const retried = await addOrganization();
    expect(retried.errors).toEqual([]);
    expect(emulator.admin.state().faults).toEqual([]);

    await clearDatabase(server.database.dataSource);
    emulator.admin.reset();
    emulator.admin.injectFault({ kind: 'throttle', target: 'token', count: 10, retryAfterSeconds: 1, pathContains: '/oauth2/v2.0/token' });
    const exhausted = await addOrganization();
    expect(exhausted.errors[0]).toMatchObject({ code: 'ENTRA_THROTTLED', ids: [management.appId, 'AADSTS90055'] });
    // One request and ENTRA_MAX_RETRIES (2) retries, no more.
    expect(emulator.admin.state().faults[0]!.count).toBe(7);

    // Throttled at the authority's metadata too (MSAL reports only `endpoints_resolution_error` then).
    emulator.admin.reset();
    emulator.admin.injectFault({
      kind: 'throttle',
      target: 'token',
      count: 20,
      retryAfterSeconds: 1,
      pathContains: '/.well-known/openid-configuration',
    });
    const discovery = await addOrganization();
    expect(discovery.errors[0]).toMatchObject({ code: 'ENTRA_THROTTLED' });
    const { data } = await server.graphql<{ organizations: { totalCount: number } }>('{ organizations { totalCount } }');
    expect(data!.organizations.totalCount).toBe(0);
  });
});

describe('drift', () => {
  it('verifyApplications shows whether Entra holds the current certificate', async () => {
    const current = newCertificate('Backup 2025');
    const { organizationId } = await applicationsWith(current, 2);
    emulator.admin.reset(); // Entra loses the keys (e.g. removed in the portal); management key again:
    emulator.admin.registerKeyCredential(tenant.id, management.appId, { key: managementCertificate.der.toString('base64') });
    emulator.admin.registerKeyCredential(tenant.id, backups[0]!.appId, { key: current.der.toString('base64') });
    const { data } = await server.graphql<{
      verifyApplications: Payload & { applications: { applicationId: string; entraStatus: string; lastVerifiedAt: string }[] };
    }>(
      `mutation($input: VerifyApplicationsInput!) { verifyApplications(input: $input) { applications { applicationId entraStatus lastVerifiedAt } errors { code } } }`,
      { input: { organizationId } },
    );
    expect(data!.verifyApplications.errors).toEqual([]);
    expect(
      Object.fromEntries(data!.verifyApplications.applications.map((application) => [application.applicationId, application.entraStatus])),
    ).toEqual({
      [backups[0]!.appId]: 'REGISTERED',
      [backups[1]!.appId]: 'MISSING',
    });
    expect(data!.verifyApplications.applications[0]!.lastVerifiedAt).toBeTruthy();
  });

  it('verifyApplications refuses an empty list as the other mutations do, before any Entra call; omitted or null means every application', async () => {
    const { organizationId } = await applicationsWith(newCertificate('Backup 2025'), 2);
    const verify = async (input: Record<string, unknown>) => {
      const { data, errors } = await server.graphql<{ verifyApplications: Payload & { applications: { applicationId: string }[] } }>(
        `mutation($input: VerifyApplicationsInput!) { verifyApplications(input: $input) { applications { applicationId } errors { code ids } } }`,
        { input },
      );
      expect(errors).toBeUndefined();
      return data!.verifyApplications;
    };
    const checksAndAudit = async () =>
      (await server.database.dataSource.query(
        `SELECT (SELECT count(*)::int FROM application_entra_checks) AS checks, (SELECT count(*)::int FROM audit_log) AS audit`,
      )) as unknown;
    const before = await checksAndAudit();
    // Any request to Entra would spend one of these.
    emulator.admin.injectFault({ kind: 'serverError', target: 'token', count: 1_000, status: 503 });
    emulator.admin.injectFault({ kind: 'serverError', target: 'graph', count: 1_000, status: 503 });

    expect(await verify({ organizationId, applicationIds: [] })).toEqual({
      applications: [],
      errors: [{ code: 'APPLICATION_SELECTION_EMPTY', ids: [] }],
    });
    expect(emulator.admin.state().faults.map((fault) => fault.count)).toEqual([1_000, 1_000]);
    expect(await checksAndAudit()).toEqual(before);

    emulator.admin.clearFaults();
    for (const input of [{ organizationId }, { organizationId, applicationIds: null }]) {
      const all = await verify(input);
      expect(all.errors).toEqual([]);
      expect(all.applications.map((application) => application.applicationId).sort()).toEqual([backups[0]!.appId, backups[1]!.appId].sort());
    }
  });
});

describe('public certificate download', () => {
  it('offers the certificate without its key as PEM and DER base64', async () => {
    const certificate = newCertificate('Download');
    const id = await importIntoStore(server, certificate);
    const { data } = await server.graphql<{ certificate: { publicCertificatePem: string; derBase64: string } }>(
      `query($id: ID!) { certificate(id: $id) { publicCertificatePem derBase64 } }`,
      { id },
    );
    expect(data!.certificate.derBase64).toBe(certificate.der.toString('base64'));
    expect(data!.certificate.publicCertificatePem.replace(/\s/g, '')).toBe(certificate.pem.replace(/\s/g, ''));
  });
});

describe('recovery at start-up', () => {
  it('rolls back a rotation left REGISTERED and finishes one left SWITCHED', async () => {
    const database = testDatabaseKind === 'postgres' ? await createTestDatabase() : null;
    const dataDir = database ? await fs.mkdtemp(path.join(os.tmpdir(), 'bam-entra-recovery-')) : await migratedDataDir('bam-entra-recovery-');
    const options = { dataDir, ...(database ? { databaseUrl: database.url } : {}), environment };
    const first = await startTestServer(options);
    try {
      const main = server;
      server = first;
      const current = newCertificate('Backup 2025');
      const next = newCertificate('Backup 2026');
      const { organizationId } = await applicationsWith(current, 2);
      const nextId = await importIntoStore(server, next);
      const [left, switched] = [backups[0]!, backups[1]!];
      // A crash after registering the new key on both (named as the rotation names its keys; its key id not recorded yet);
      // the second one had also switched in the database.
      for (const backup of [left, switched]) {
        emulator.admin.registerKeyCredential(tenant.id, backup.appId, {
          key: next.der.toString('base64'),
          displayName: addedKeyDisplayName(next.thumbprint),
        });
      }
      const dataSource = server.database.dataSource;
      await dataSource.query(`UPDATE backup_applications SET certificate_id = $1 WHERE application_id = $2`, [nextId, switched.appId]);
      await dataSource.query(
        `INSERT INTO key_rotations (batch_id, organization_id, backup_application_id, application_id, old_certificate_id, new_certificate_id,
           old_thumbprint, new_thumbprint, registered_by_us, state, started_by)
         SELECT gen_random_uuid(), a.organization_id, a.id, a.application_id, c.id, $1, c.thumbprint_sha1, $5, true,
                CASE WHEN a.application_id = $2 THEN 'SWITCHED' ELSE 'REGISTERED' END, 'test'
         FROM backup_applications a, certificates c WHERE c.thumbprint_sha1 = $3 AND a.organization_id = $4`,
        [nextId, switched.appId, current.thumbprint, organizationId, next.thumbprint],
      );
      await first.stop();

      const second = await startTestServer(options);
      server = second;
      try {
        const deadline = Date.now() + 30_000;
        let states: string[] = [];
        while (Date.now() < deadline) {
          const rows: { state: string }[] = await second.database.dataSource.query(
            `SELECT state FROM key_rotations WHERE started_by = 'test' ORDER BY application_id`,
          );
          states = rows.map((row) => row.state);
          if (states.every((state) => state === 'ROLLED_BACK' || state === 'OLD_KEY_REMOVED')) break;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        expect(states).toEqual(['ROLLED_BACK', 'OLD_KEY_REMOVED']);
        expect(entraThumbprints(emulator, left.appId)).toEqual([current.thumbprint]);
        expect(entraThumbprints(emulator, switched.appId)).toEqual([next.thumbprint]);
      } finally {
        await second.stop();
        server = main;
      }
    } finally {
      await first.stop();
      await database?.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
