import { describe, expect, it } from 'vitest';
import { Certificate } from '../../src/certificates/certificate.entity.js';
import { KeyRotationThumbprints1795738300700 } from '../../src/entra/1795738300700-key-rotation-thumbprints.migration.js';
import { backups, entraThumbprints, importIntoStore, management, newCertificate, tenant, useEntraTestServer } from '../support/entra-fixture.js';
import { holdLock, until, waitingOnLocks } from '../support/lock-races.js';
import { forgePfx, type TestCertificate } from '../support/pfx-fixtures.js';
import { seedOrganization } from '../support/seed.js';
import { testDatabaseKind } from '../support/test-server.js';

// removeStoreCertificate against what points at a store certificate besides an application: an organization's
// Entra connection, and the rotations that moved applications to and from it (finished or not); and updates that
// reach the certificate while it is being removed.

const managementCertificate = newCertificate('Removal Management');
const current = newCertificate('Removal Backup 2025');
const next = newCertificate('Removal Backup 2026');

const entra = useEntraTestServer();

interface Errors {
  errors: { code: string; ids: string[] }[];
}

const updateMutation = `mutation($input: UpdateCertificateInput!) { updateCertificate(input: $input) {
  applications { certificate { id thumbprint } } errors { code ids } } }`;
type UpdatePayload = Errors & { applications: { certificate: { id: string; thumbprint: string } | null }[] };

async function remove(certificateId: string) {
  const { data, errors } = await entra.server.graphql<{ removeStoreCertificate: Errors & { removedCertificate: { thumbprint: string } | null } }>(
    'mutation($id: ID!) { removeStoreCertificate(input: { certificateId: $id }) { removedCertificate { thumbprint } errors { code ids } } }',
    { id: certificateId },
  );
  expect(errors).toBeUndefined();
  return data!.removeStoreCertificate;
}

async function stored(certificateId: string): Promise<boolean> {
  return entra.server.database.dataSource.getRepository(Certificate).existsBy({ id: certificateId });
}

/** A connected organization with one backup application using `current`, registered in Entra as in the portal. */
async function connectedApplication() {
  const managementCertificateId = await importIntoStore(entra.server, managementCertificate);
  entra.emulator.admin.registerKeyCredential(tenant.id, management.appId, { key: managementCertificate.der.toString('base64') });
  const added = await entra.server.graphql<{ addOrganization: Errors & { organization: { id: string } | null } }>(
    `mutation($input: AddOrganizationInput!) { addOrganization(input: $input) { organization { id } errors { code ids } } }`,
    { input: { tenant: tenant.domain, managementApplicationId: management.appId, managementCertificateId } },
  );
  expect(added.data!.addOrganization.errors).toEqual([]);
  const organizationId = added.data!.addOrganization.organization!.id;
  const application = backups[0]!;
  const applications = await entra.server.graphql<{ addApplications: Errors }>(
    `mutation($input: AddApplicationsInput!) { addApplications(input: $input) { errors { code ids } } }`,
    { input: { organizationId, applicationIds: [application.appId] } },
  );
  expect(applications.data!.addApplications.errors).toEqual([]);
  entra.emulator.admin.registerKeyCredential(tenant.id, application.appId, { key: current.der.toString('base64') });
  const currentId = await importIntoStore(entra.server, current);
  expect((await update(organizationId, application.appId, currentId, true)).errors).toEqual([]);
  return { organizationId, managementCertificateId, applicationId: application.appId, currentId };
}

async function update(organizationId: string, applicationId: string, storeCertificateId: string, skipRegistration?: boolean) {
  const { data, errors } = await entra.server.graphql<{ updateCertificate: UpdatePayload }>(updateMutation, {
    input: { organizationId, applications: [{ applicationId }], storeCertificateId, skipRegistration },
  });
  expect(errors).toBeUndefined();
  return data!.updateCertificate;
}

async function updateFromPfx(organizationId: string, applicationId: string, certificate: TestCertificate) {
  const pfx = forgePfx({ certificate });
  const { data, errors } = await entra.server.upload<{ updateCertificate: UpdatePayload }>(
    updateMutation,
    { input: { organizationId, applications: [{ applicationId }], pfx: { file: null, password: pfx.password } } },
    { path: 'variables.input.pfx.file', content: pfx.file },
  );
  expect(errors).toBeUndefined();
  return data!.updateCertificate;
}

/** The certificate id an application uses now, read from the table. */
async function certificateOf(applicationId: string): Promise<string | null> {
  const [row] = (await entra.server.database.dataSource.query(`SELECT certificate_id AS id FROM backup_applications WHERE application_id = $1`, [
    applicationId,
  ])) as [{ id: string | null }];
  return row.id;
}

describe('removeStoreCertificate', () => {
  it("refuses an organization's Entra management certificate with a code naming the organization, and says so in the API", async () => {
    const { organizationId, managementCertificateId } = await connectedApplication();
    const { data } = await entra.server.graphql<{
      certificate: { usable: boolean; usedBy: unknown[]; managedOrganizations: { id: string; name: string }[] };
    }>('query($id: ID!) { certificate(id: $id) { usable usedBy { id } managedOrganizations { id name } } }', { id: managementCertificateId });
    expect(data!.certificate).toEqual({ usable: true, usedBy: [], managedOrganizations: [{ id: organizationId, name: tenant.domain }] });

    expect(await remove(managementCertificateId)).toEqual({
      removedCertificate: null,
      errors: [{ code: 'STORE_CERTIFICATE_MANAGES_ORGANIZATION', ids: [organizationId] }],
    });
    expect(await stored(managementCertificateId)).toBe(true);
  });

  it('removes a certificate that was rotated onto an application and back, keeping the thumbprints in the rotation history', async () => {
    const { organizationId, applicationId, currentId } = await connectedApplication();
    const nextId = await importIntoStore(entra.server, next);
    expect((await update(organizationId, applicationId, nextId)).errors).toEqual([]);
    expect((await update(organizationId, applicationId, currentId)).errors).toEqual([]);
    expect(entraThumbprints(entra.emulator, applicationId)).toEqual([current.thumbprint]);

    expect(await remove(nextId)).toEqual({ removedCertificate: { thumbprint: next.thumbprint }, errors: [] });
    expect(await stored(nextId)).toBe(false);

    const rotations: { old: string | null; new: string; state: string; newId: string | null; oldId: string | null }[] =
      await entra.server.database.dataSource.query(
        `SELECT old_thumbprint AS old, new_thumbprint AS new, state, new_certificate_id AS "newId", old_certificate_id AS "oldId"
         FROM key_rotations ORDER BY started_at`,
      );
    expect(rotations).toEqual([
      { old: null, new: current.thumbprint, state: 'OLD_KEY_REMOVED', newId: currentId, oldId: null },
      { old: current.thumbprint, new: next.thumbprint, state: 'OLD_KEY_REMOVED', newId: null, oldId: currentId },
      { old: next.thumbprint, new: current.thumbprint, state: 'OLD_KEY_REMOVED', newId: currentId, oldId: null },
    ]);
    // The application keeps rotating after the certificate is gone.
    const laterId = await importIntoStore(entra.server, newCertificate('Removal Backup 2027'));
    expect((await update(organizationId, applicationId, laterId)).errors).toEqual([]);
  });

  it('refuses the certificates of an unfinished rotation (new, and old once switched) with ROTATION_IN_PROGRESS', async () => {
    const { organizationId, applicationId, currentId } = await connectedApplication();
    const nextId = await importIntoStore(entra.server, next);
    const dataSource = entra.server.database.dataSource;
    const insertRotation = (state: string, oldId: string, newId: string, oldThumbprint: string, newThumbprint: string) =>
      dataSource.query(
        `INSERT INTO key_rotations (batch_id, organization_id, backup_application_id, application_id, old_certificate_id, new_certificate_id,
           old_thumbprint, new_thumbprint, registered_by_us, state, started_by)
         SELECT gen_random_uuid(), organization_id, id, application_id, $1, $2, $3, $4, true, $5, 'test'
         FROM backup_applications WHERE organization_id = $6`,
        [oldId, newId, oldThumbprint, newThumbprint, state, organizationId],
      );

    // Registered in Entra, not switched yet: the application still uses `current`; `next` is used by no application.
    await insertRotation('REGISTERED', currentId, nextId, current.thumbprint, next.thumbprint);
    expect(await remove(nextId)).toEqual({ removedCertificate: null, errors: [{ code: 'ROTATION_IN_PROGRESS', ids: [applicationId] }] });
    expect(await stored(nextId)).toBe(true);

    // Switched, the old key not withdrawn yet: `current` is used by no application, but recovery needs it.
    await dataSource.query(`UPDATE key_rotations SET state = 'SWITCHED' WHERE started_by = 'test'`);
    await dataSource.query(`UPDATE backup_applications SET certificate_id = $1 WHERE application_id = $2`, [nextId, applicationId]);
    expect(await remove(currentId)).toEqual({ removedCertificate: null, errors: [{ code: 'ROTATION_IN_PROGRESS', ids: [applicationId] }] });
    expect(await stored(currentId)).toBe(true);

    // Finished: `current` goes, the history keeps its thumbprint.
    await dataSource.query(`UPDATE key_rotations SET state = 'OLD_KEY_REMOVED' WHERE started_by = 'test'`);
    expect(await remove(currentId)).toEqual({ removedCertificate: { thumbprint: current.thumbprint }, errors: [] });
    const [row]: { old: string }[] = await dataSource.query(`SELECT old_thumbprint AS old FROM key_rotations WHERE started_by = 'test'`);
    expect(row!.old).toBe(current.thumbprint);
  });

  it('fills in the thumbprints of rotations recorded before the migration, and the migration goes down and up again', async () => {
    const { organizationId, applicationId, currentId } = await connectedApplication();
    const nextId = await importIntoStore(entra.server, next);
    expect((await update(organizationId, applicationId, nextId)).errors).toEqual([]);
    const thumbprints = () =>
      entra.server.database.dataSource.query(`SELECT old_thumbprint AS old, new_thumbprint AS new FROM key_rotations ORDER BY started_at`);
    const recorded: unknown[] = await thumbprints();
    expect(recorded).toEqual([
      { old: null, new: current.thumbprint },
      { old: current.thumbprint, new: next.thumbprint },
    ]);

    const migration = new KeyRotationThumbprints1795738300700();
    const queryRunner = entra.server.database.dataSource.createQueryRunner();
    try {
      await migration.down(queryRunner);
      const columns: { name: string }[] = await queryRunner.query(
        `SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'key_rotations' AND column_name LIKE '%thumbprint'`,
      );
      expect(columns).toEqual([]);
      await migration.up(queryRunner);
    } finally {
      await queryRunner.release();
    }
    expect(await thumbprints()).toEqual(recorded);
    // The foreign key lets the finished rotation's certificate go again.
    expect((await update(organizationId, applicationId, currentId)).errors).toEqual([]);
    expect((await remove(nextId)).errors).toEqual([]);
  });
});

describe.skipIf(testDatabaseKind !== 'postgres')('removeStoreCertificate racing an update (PostgreSQL: a lock held by the test)', () => {
  const dataSource = () => entra.server.database.dataSource;
  const waiting = () => waitingOnLocks(dataSource());

  /**
   * Runs `change` while the test removes the certificate with removeStoreCertificate's own statements: it locks the
   * row, `change` reaches the certificate and waits for it, and the certificate is deleted.
   */
  async function whileRemoved<Result>(certificateId: string, change: () => Promise<Result>): Promise<Result> {
    const removal = await holdLock(dataSource(), `SELECT 1 FROM certificates WHERE id = $1 FOR UPDATE`, [certificateId]);
    let result: Promise<Result> | undefined;
    try {
      result = change();
      await until(async () => (await waiting()) === 1, 'the change to wait for the certificate');
      await removal.query(`DELETE FROM certificates WHERE id = $1`, [certificateId]);
    } finally {
      await removal.query('COMMIT');
      await removal.end();
    }
    return result!;
  }

  async function plainApplication() {
    const { organization, applications } = await seedOrganization(dataSource(), 'fabrikam-plain.onmicrosoft.com', [
      { displayName: 'Plain 1', certificate: { validFromDays: -1, validToDays: 100 } },
    ]);
    return { organizationId: organization.id, applicationId: applications[0]!.applicationId, currentId: applications[0]!.certificateId! };
  }

  it.each([
    ['an organization connected to Entra (a rotation)', connectedApplication],
    ['an organization without Entra', plainApplication],
  ])('an update from the store to the certificate being removed, on %s: STORE_CERTIFICATE_NOT_FOUND, nothing changed', async (_, setUp) => {
    const { organizationId, applicationId, currentId } = await setUp();
    const nextId = await importIntoStore(entra.server, next);
    const result = await whileRemoved(nextId, () => update(organizationId, applicationId, nextId));
    expect(result).toEqual({ applications: [], errors: [{ code: 'STORE_CERTIFICATE_NOT_FOUND', ids: [nextId] }] });
    expect(await certificateOf(applicationId)).toBe(currentId);
    expect(await dataSource().query(`SELECT 1 FROM key_rotations WHERE new_thumbprint = $1`, [next.thumbprint])).toEqual([]);
  });

  it('an update from a PFX file whose certificate is being removed from the store: the file brings it back', async () => {
    const { organizationId, applicationId } = await plainApplication();
    const nextId = await importIntoStore(entra.server, next);
    const result = await whileRemoved(nextId, () => updateFromPfx(organizationId, applicationId, next));
    expect(result.errors).toEqual([]);
    const [{ certificate }] = result.applications as [{ certificate: { id: string; thumbprint: string } }];
    expect(certificate.thumbprint).toBe(next.thumbprint);
    expect(certificate.id).not.toBe(nextId);
    expect(await certificateOf(applicationId)).toBe(certificate.id);
    expect(await stored(certificate.id)).toBe(true);
  });

  it("a rotation whose certificate left the store before its switch (another instance's start-up rolled it back): STORE_CERTIFICATE_NOT_FOUND", async () => {
    const { organizationId, applicationId, currentId } = await connectedApplication();
    const nextId = await importIntoStore(entra.server, next);
    const states = async () =>
      ((await dataSource().query(`SELECT state FROM key_rotations WHERE new_thumbprint = $1`, [next.thumbprint])) as { state: string }[]).map(
        (row) => row.state,
      );
    // Entra replicates the new key slowly: the rotation proves sign-in for a while, holding no lock.
    entra.emulator.admin.configure({ keyReplicationDelayMs: 1_500 });
    const rotation = update(organizationId, applicationId, nextId);
    await until(async () => (await states())[0] === 'REGISTERED', 'the new key to be registered');
    // The application is locked until the switch waits for it, proven.
    const application = await holdLock(dataSource(), `SELECT 1 FROM backup_applications WHERE application_id = $1 FOR UPDATE`, [applicationId]);
    try {
      await until(async () => (await waiting()) === 1, 'the switch to wait for the application');
      expect(await states()).toEqual(['PROVEN']);
      // What another instance's start-up records when it rolls the rotation back: the certificate may then go.
      await dataSource().query(`UPDATE key_rotations SET state = 'ROLLED_BACK' WHERE new_thumbprint = $1`, [next.thumbprint]);
      expect((await remove(nextId)).errors).toEqual([]);
    } finally {
      await application.query('COMMIT');
      await application.end();
    }
    expect(await rotation).toEqual({ applications: [], errors: [{ code: 'STORE_CERTIFICATE_NOT_FOUND', ids: [nextId] }] });
    expect(await certificateOf(applicationId)).toBe(currentId);
    expect(entraThumbprints(entra.emulator, applicationId)).toEqual([current.thumbprint]);
  });
});
