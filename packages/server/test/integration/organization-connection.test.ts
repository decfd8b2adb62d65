import { beforeEach, describe, expect, it } from 'vitest';
import { Role } from '../../src/common/actor.js';
import { backups, importIntoStore, management, newCertificate, signInAs, tenant, useEntraTestServer } from '../support/entra-fixture.js';
import { holdLock, until, waitingOnLocks } from '../support/lock-races.js';
import type { TestCertificate } from '../support/pfx-fixtures.js';
import { seedOrganization } from '../support/seed.js';
import { testDatabaseKind } from '../support/test-server.js';

// Replacing an organization's management certificate (the yearly rotation of the credential the server
// signs in to the tenant with): checked in Entra first, switched in one transaction, nothing changed on failure.

const entra = useEntraTestServer();
// The audit log outlives each test's database reset: each test reads the entries since it began.
let since: string;
beforeEach(() => {
  since = new Date().toISOString();
});

interface MutationError {
  code: string;
  ids: string[];
}
interface ConnectedOrganization {
  id: string;
  managementApplicationId: string | null;
  managementCertificate: { id: string; thumbprint: string; notAfter: string } | null;
}

const organizationFields = 'id managementApplicationId managementCertificate { id thumbprint notAfter }';

function registerInEntra(certificate: TestCertificate, appId = management.appId): void {
  entra.emulator.admin.registerKeyCredential(tenant.id, appId, { key: certificate.der.toString('base64') });
}

/** Withdraws the certificate from the application in Entra, as an administrator would in the portal. */
function withdrawFromEntra(certificate: TestCertificate, appId = management.appId): void {
  const application = entra.emulator.admin
    .state()
    .tenants.flatMap((candidate) => candidate.applications)
    .find((candidate) => candidate.appId === appId)!;
  const key = application.keyCredentials.find((candidate) => candidate.customKeyIdentifier === certificate.thumbprint)!;
  entra.emulator.admin.removeKeyCredential(tenant.id, appId, key.keyId);
}

async function connectedOrganization(certificate: TestCertificate): Promise<{ organizationId: string; certificateId: string }> {
  const certificateId = await importIntoStore(entra.server, certificate);
  registerInEntra(certificate);
  const { data } = await entra.server.graphql<{ addOrganization: { organization: { id: string } | null; errors: MutationError[] } }>(
    `mutation($input: AddOrganizationInput!) { addOrganization(input: $input) { organization { id } errors { code ids } } }`,
    { input: { tenant: tenant.domain, managementApplicationId: management.appId, managementCertificateId: certificateId } },
  );
  expect(data!.addOrganization.errors).toEqual([]);
  return { organizationId: data!.addOrganization.organization!.id, certificateId };
}

/** A connected organization, its current management certificate, and the next one: in the store and registered in Entra. */
async function organizationWithNextCertificate() {
  const current = newCertificate('Management 2025');
  const next = newCertificate('Management 2026');
  const { organizationId, certificateId: currentId } = await connectedOrganization(current);
  const nextId = await importIntoStore(entra.server, next);
  registerInEntra(next);
  return { organizationId, current, currentId, next, nextId };
}

async function updateConnection(input: Record<string, unknown>, credential?: { bearer: string }) {
  const query = `mutation($input: UpdateOrganizationConnectionInput!) {
    updateOrganizationConnection(input: $input) { organization { ${organizationFields} } errors { code ids } } }`;
  const response = credential ? await entra.server.graphqlAs(credential, query, { input }) : await entra.server.graphql(query, { input });
  return response as {
    data?: { updateOrganizationConnection: { organization: ConnectedOrganization | null; errors: MutationError[] } };
    errors?: unknown[];
  };
}

async function organization(id: string): Promise<ConnectedOrganization> {
  const { data } = await entra.server.graphql<{ organization: ConnectedOrganization }>(
    `query($id: ID!) { organization(id: $id) { ${organizationFields} } }`,
    { id },
  );
  return data!.organization;
}

/** A call that signs in to the tenant through Graph as the organization's management application. */
async function listEntraApplications(organizationId: string): Promise<MutationError | null> {
  const { data, errors } = await entra.server.graphql<{ availableApplications: { applications: unknown[] } }>(
    `query($organizationId: ID!) { availableApplications(organizationId: $organizationId, first: 3) { applications { appId } } }`,
    { organizationId },
  );
  if (!errors) {
    expect(data!.availableApplications.applications.length).toBeGreaterThan(0);
    return null;
  }
  const [error] = errors as { extensions?: { code?: string; ids?: string[] } }[];
  return { code: error!.extensions?.code ?? 'NONE', ids: error!.extensions?.ids ?? [] };
}

async function removeFromStore(certificateId: string): Promise<MutationError[]> {
  const { data } = await entra.server.graphql<{ removeStoreCertificate: { errors: MutationError[] } }>(
    `mutation($input: RemoveStoreCertificateInput!) { removeStoreCertificate(input: $input) { errors { code ids } } }`,
    { input: { certificateId } },
  );
  return data!.removeStoreCertificate.errors;
}

async function connectionAudit(): Promise<{ actorId: string; organizationId: string; details: Record<string, unknown> }[]> {
  const { data, errors } = await entra.server.graphql<{
    auditLog: { edges: { node: { actorId: string; organizationId: string; details: Record<string, unknown> } }[] };
  }>(
    'query($since: DateTimeISO) { auditLog(first: 10, filter: { from: $since, actions: [ORGANIZATION_CONNECTION_UPDATED] }) { edges { node { actorId organizationId details } } } }',
    { since },
  );
  expect(errors).toBeUndefined();
  return data!.auditLog.edges.map((edge) => edge.node);
}

async function connectionEvents(): Promise<
  { organizationId: string; cloudEvent: { type: string; subject: string; data: Record<string, unknown> } }[]
> {
  const { data, errors } = await entra.server.graphql<{
    certificateEvents: {
      edges: { node: { organizationId: string; cloudEvent: { type: string; subject: string; data: Record<string, unknown> } } }[];
    };
  }>('query { certificateEvents(first: 10, filter: { types: [ORGANIZATION_CONNECTION_UPDATED] }) { edges { node { organizationId cloudEvent } } } }');
  expect(errors).toBeUndefined();
  return data!.certificateEvents.edges.map((edge) => edge.node);
}

/** The statement that records a rotation of the organization's first application (as `updateCertificate` does when it starts one). */
const insertRotation = `INSERT INTO key_rotations (batch_id, organization_id, backup_application_id, application_id, new_certificate_id, new_thumbprint,
    registered_by_us, state, started_by)
  SELECT gen_random_uuid(), a.organization_id, a.id, a.application_id, c.id, c.thumbprint_sha1, true, $3, 'test'
  FROM backup_applications a, certificates c WHERE a.organization_id = $1 AND c.id = $2`;

/** The organization with one backup application, so a rotation can be recorded for it. */
async function withApplication(organizationId: string): Promise<void> {
  const { data } = await entra.server.graphql<{ addApplications: { errors: MutationError[] } }>(
    `mutation($input: AddApplicationsInput!) { addApplications(input: $input) { errors { code ids } } }`,
    { input: { organizationId, applicationIds: [backups[0]!.appId] } },
  );
  expect(data!.addApplications.errors).toEqual([]);
}

describe('updateOrganizationConnection', () => {
  it('switches to a new management certificate that signs in: later Graph calls use it, the old one leaves the store', async () => {
    const { organizationId, current, currentId, next, nextId } = await organizationWithNextCertificate();
    expect((await organization(organizationId)).managementCertificate).toMatchObject({ id: currentId, thumbprint: current.thumbprint });
    expect(await removeFromStore(currentId)).toMatchObject([{ code: 'STORE_CERTIFICATE_MANAGES_ORGANIZATION', ids: [organizationId] }]);

    expect(await listEntraApplications(organizationId)).toBeNull();
    const { data, errors } = await updateConnection({ organizationId, managementCertificateId: nextId });
    expect(errors).toBeUndefined();
    expect(data!.updateOrganizationConnection).toEqual({
      organization: {
        id: organizationId,
        managementApplicationId: management.appId,
        managementCertificate: { id: nextId, thumbprint: next.thumbprint, notAfter: expect.any(String) },
      },
      errors: [],
    });
    // The old certificate withdrawn in Entra and removed from the store: the organization keeps working with the new one.
    withdrawFromEntra(current);
    await expect(signInAs(entra.emulator, management.appId, current)).rejects.toThrow(/AADSTS700027/);
    expect(await removeFromStore(currentId)).toEqual([]);
    expect(await listEntraApplications(organizationId)).toBeNull();

    expect(await removeFromStore(nextId)).toMatchObject([{ code: 'STORE_CERTIFICATE_MANAGES_ORGANIZATION', ids: [organizationId] }]);

    const [entry, ...others] = await connectionAudit();
    expect(others).toEqual([]);
    expect(entry).toEqual({
      actorId: expect.stringMatching(/^(user|token):/),
      organizationId,
      details: {
        name: tenant.domain,
        tenantId: tenant.id,
        from: { managementApplicationId: management.appId, managementCertificateId: currentId, managementCertificateThumbprint: current.thumbprint },
        to: { managementApplicationId: management.appId, managementCertificateId: nextId, managementCertificateThumbprint: next.thumbprint },
      },
    });
    const [event, ...otherEvents] = await connectionEvents();
    expect(otherEvents).toEqual([]);
    expect(event).toMatchObject({
      organizationId,
      cloudEvent: {
        type: 'com.backup-applications-manager.organization.connection-updated',
        subject: next.thumbprint,
        data: { organizationId, from: entry!.details.from, to: entry!.details.to },
      },
    });
    expect(JSON.stringify([entry, event])).not.toMatch(/PRIVATE KEY/);
  });

  it('switches the management application too when one is given, checked in Entra like the certificate', async () => {
    const current = newCertificate('Management 2025');
    const next = newCertificate('Other management application');
    const { organizationId } = await connectedOrganization(current);
    expect(await listEntraApplications(organizationId)).toBeNull();
    const nextId = await importIntoStore(entra.server, next);
    const other = backups[0]!.appId;
    registerInEntra(next, other);

    const lacking = await updateConnection({ organizationId, managementCertificateId: nextId, managementApplicationId: other });
    expect(lacking.data!.updateOrganizationConnection.errors).toMatchObject([{ code: 'ENTRA_PERMISSION_MISSING' }]);
    expect((await organization(organizationId)).managementApplicationId).toBe(management.appId);

    entra.emulator.admin.grantPermission(tenant.id, other, 'Application.ReadWrite.All');
    entra.emulator.admin.grantPermission(tenant.id, other, 'Organization.Read.All');
    const switched = await updateConnection({ organizationId, managementCertificateId: nextId, managementApplicationId: other.toUpperCase() });
    expect(switched.data!.updateOrganizationConnection.errors).toEqual([]);
    expect(await organization(organizationId)).toMatchObject({ managementApplicationId: other, managementCertificate: { id: nextId } });
    // Graph refuses the old application's live tokens now: calls succeed only if they no longer use its cached credential.
    entra.emulator.admin.revokePermission(tenant.id, management.appId, 'Application.ReadWrite.All');
    expect(await listEntraApplications(organizationId)).toBeNull();
    expect((await connectionAudit())[0]!.details).toMatchObject({
      from: { managementApplicationId: management.appId },
      to: { managementApplicationId: other },
    });
  });

  it('refuses a certificate that Entra does not accept for the management application, and changes nothing', async () => {
    const current = newCertificate('Management 2025');
    const { organizationId, certificateId: currentId } = await connectedOrganization(current);
    const unregisteredId = await importIntoStore(entra.server, newCertificate('Not registered in Entra'));

    const { data } = await updateConnection({ organizationId, managementCertificateId: unregisteredId });
    expect(data!.updateOrganizationConnection).toEqual({
      organization: null,
      errors: [{ code: 'ENTRA_SIGN_IN_REFUSED', ids: [management.appId, 'AADSTS700027'] }],
    });
    expect((await organization(organizationId)).managementCertificate).toMatchObject({ id: currentId });
    expect(await connectionAudit()).toEqual([]);
    expect(await connectionEvents()).toEqual([]);
    expect(await removeFromStore(unregisteredId)).toEqual([]);
  });

  it('refuses while a certificate rotation in the organization is under way (ROTATION_IN_PROGRESS), not once its rollback has begun', async () => {
    const { organizationId, currentId, nextId } = await organizationWithNextCertificate();
    await withApplication(organizationId);
    const dataSource = entra.server.database.dataSource;
    // A rotation that registered its new key and is proving it, signed in with the current management certificate.
    await dataSource.query(insertRotation, [organizationId, nextId, 'REGISTERED']);

    const { data } = await updateConnection({ organizationId, managementCertificateId: nextId });
    expect(data!.updateOrganizationConnection).toEqual({ organization: null, errors: [{ code: 'ROTATION_IN_PROGRESS', ids: [organizationId] }] });
    expect((await organization(organizationId)).managementCertificate).toMatchObject({ id: currentId });
    expect(await connectionAudit()).toEqual([]);
    expect(await connectionEvents()).toEqual([]);

    // Being rolled back (its failure recorded), it retries with whatever connection there is then: the change goes ahead.
    await dataSource.query(`UPDATE key_rotations SET failure = 'rolled back' WHERE organization_id = $1`, [organizationId]);
    expect((await updateConnection({ organizationId, managementCertificateId: nextId })).data!.updateOrganizationConnection.errors).toEqual([]);
  });

  it('refuses an unknown organization, one without an Entra connection, an unknown certificate, and callers below Administrator', async () => {
    const current = newCertificate('Management 2025');
    const { organizationId, certificateId } = await connectedOrganization(current);
    const codeFor = async (input: Record<string, unknown>) => (await updateConnection(input)).data!.updateOrganizationConnection.errors;

    expect(await codeFor({ organizationId: '00000000-0000-4000-8000-000000000000', managementCertificateId: certificateId })).toMatchObject([
      { code: 'ORGANIZATION_NOT_FOUND' },
    ]);
    expect(await codeFor({ organizationId: 'not-an-id', managementCertificateId: certificateId })).toMatchObject([
      { code: 'ORGANIZATION_NOT_FOUND' },
    ]);
    const { organization: databaseOnly } = await seedOrganization(entra.server.database.dataSource, 'fabrikam.onmicrosoft.com', []);
    expect(await codeFor({ organizationId: databaseOnly.id, managementCertificateId: certificateId })).toMatchObject([
      { code: 'ORGANIZATION_NOT_CONNECTED', ids: [databaseOnly.id] },
    ]);
    expect(await codeFor({ organizationId, managementCertificateId: '00000000-0000-4000-8000-000000000000' })).toMatchObject([
      { code: 'STORE_CERTIFICATE_NOT_FOUND' },
    ]);
    expect(await codeFor({ organizationId, managementCertificateId: certificateId, managementApplicationId: 'not-an-id' })).toMatchObject([
      { code: 'ENTRA_APPLICATION_NOT_FOUND' },
    ]);

    for (const role of [Role.VIEWER, Role.OPERATOR]) {
      const refused = await updateConnection({ organizationId, managementCertificateId: certificateId }, await entra.server.tokenFor(role));
      expect(refused.errors).toMatchObject([{ extensions: { code: 'FORBIDDEN' } }]);
    }
    expect(await connectionAudit()).toEqual([]);
  });

  describe.skipIf(testDatabaseKind !== 'postgres')('on PostgreSQL, with a lock held by the test (the embedded database has one session)', () => {
    /** Runs `removal` from a connection of the test's own after the update waits for the row it locked first (`FOR UPDATE`, as the removals do). */
    async function whileRemoved(lockRow: string, removal: string, id: string, update: () => ReturnType<typeof updateConnection>) {
      const { dataSource } = entra.server.database;
      const client = await holdLock(dataSource, lockRow, [id]);
      let result: ReturnType<typeof updateConnection> | undefined;
      try {
        result = update();
        await until(async () => (await waitingOnLocks(dataSource)) === 1, 'the update to wait for the lock');
        await client.query(removal, [id]);
      } finally {
        await client.query('COMMIT');
        await client.end();
      }
      return (await result!).data!.updateOrganizationConnection;
    }

    it('the new certificate removed from the store meanwhile: STORE_CERTIFICATE_NOT_FOUND, the connection unchanged', async () => {
      const { organizationId, currentId, nextId } = await organizationWithNextCertificate();
      const result = await whileRemoved('SELECT 1 FROM certificates WHERE id = $1 FOR UPDATE', 'DELETE FROM certificates WHERE id = $1', nextId, () =>
        updateConnection({ organizationId, managementCertificateId: nextId }),
      );
      expect(result.errors).toMatchObject([{ code: 'STORE_CERTIFICATE_NOT_FOUND', ids: [nextId] }]);
      expect((await organization(organizationId)).managementCertificate).toMatchObject({ id: currentId });
      expect(await connectionAudit()).toEqual([]);
    });

    it('a rotation started meanwhile: the change waits for it to commit, then ROTATION_IN_PROGRESS', async () => {
      const { organizationId, currentId, nextId } = await organizationWithNextCertificate();
      await withApplication(organizationId);
      // The rotation's starting transaction: its row key-share locks the organization until it commits.
      const result = await whileRemoved(
        insertRotation.replace('$3', "'STARTED'").replace('$2', `'${nextId}'`),
        'SELECT $1::uuid',
        organizationId,
        () => updateConnection({ organizationId, managementCertificateId: nextId }),
      );
      expect(result.errors).toEqual([{ code: 'ROTATION_IN_PROGRESS', ids: [organizationId] }]);
      expect((await organization(organizationId)).managementCertificate).toMatchObject({ id: currentId });
      expect(await connectionAudit()).toEqual([]);
    });

    it('the organization removed meanwhile: ORGANIZATION_NOT_FOUND, not INTERNAL_ERROR', async () => {
      const { organizationId, nextId } = await organizationWithNextCertificate();
      const result = await whileRemoved(
        'SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE',
        'DELETE FROM organizations WHERE id = $1',
        organizationId,
        () => updateConnection({ organizationId, managementCertificateId: nextId }),
      );
      expect(result.errors).toMatchObject([{ code: 'ORGANIZATION_NOT_FOUND', ids: [organizationId] }]);
      expect(await connectionAudit()).toEqual([]);
    });
  });
});
