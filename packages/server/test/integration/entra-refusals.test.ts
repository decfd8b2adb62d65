import { errorMessageIn, errorMessages } from '@bam/shared';
import { describe, expect, it } from 'vitest';
import {
  backups,
  entraThumbprints,
  importIntoStore,
  management,
  newCertificate,
  tenant,
  updateCertificateFromPfx,
  useEntraTestServer,
} from '../support/entra-fixture.js';
import { holdLock, until, waitingOnLocks } from '../support/lock-races.js';
import type { TestCertificate } from '../support/pfx-fixtures.js';
import { testDatabaseKind } from '../support/test-server.js';

// A refused certificate update on an organization connected to Entra changes nothing — not even the
// certificate store — and a mutation racing it gets a coded error, never INTERNAL_ERROR.

const managementCertificate = newCertificate('Contoso Backup Management');

const entra = useEntraTestServer();

interface Payload {
  errors: { code: string; ids: string[]; message: string }[];
}
type UpdatePayload = Payload & { applications: { applicationId: string; certificate: { thumbprint: string } | null }[] };

const updateMutation = `mutation($input: UpdateCertificateInput!) { updateCertificate(input: $input) {
  applications { applicationId certificate { thumbprint } } errors { code ids message } } }`;

async function connectedOrganization(certificate = managementCertificate): Promise<string> {
  const certificateId = await importIntoStore(entra.server, certificate);
  entra.emulator.admin.registerKeyCredential(tenant.id, management.appId, { key: certificate.der.toString('base64') });
  const { data } = await entra.server.graphql<{ addOrganization: Payload & { organization: { id: string } | null } }>(
    `mutation($input: AddOrganizationInput!) { addOrganization(input: $input) { organization { id } errors { code ids message } } }`,
    { input: { tenant: tenant.domain, managementApplicationId: management.appId, managementCertificateId: certificateId } },
  );
  expect(data!.addOrganization.errors).toEqual([]);
  return data!.addOrganization.organization!.id;
}

/** A connected organization whose first `count` applications use `certificate`, registered in Entra as in the portal. */
async function applicationsWith(certificate: TestCertificate, count: number, connected?: string) {
  const organizationId = connected ?? (await connectedOrganization());
  const chosen = backups.slice(0, count).map((backup) => backup.appId);
  const { data } = await entra.server.graphql<{ addApplications: Payload }>(
    `mutation($input: AddApplicationsInput!) { addApplications(input: $input) { errors { code ids } } }`,
    { input: { organizationId, applicationIds: chosen } },
  );
  expect(data!.addApplications.errors).toEqual([]);
  for (const appId of chosen) entra.emulator.admin.registerKeyCredential(tenant.id, appId, { key: certificate.der.toString('base64') });
  const update = await updateFromStore(organizationId, chosen, await importIntoStore(entra.server, certificate), true);
  expect(update.errors).toEqual([]);
  return { organizationId, applicationIds: chosen };
}

async function updateFromStore(organizationId: string, applicationIds: string[], storeCertificateId: string, skipRegistration?: boolean) {
  const { data, errors } = await entra.server.graphql<{ updateCertificate: UpdatePayload }>(updateMutation, {
    input: { organizationId, applications: applicationIds.map((applicationId) => ({ applicationId })), storeCertificateId, skipRegistration },
  });
  expect(errors).toBeUndefined();
  return data!.updateCertificate;
}

function updateFromPfx(organizationId: string, applicationIds: string[], certificate: TestCertificate) {
  return updateCertificateFromPfx<UpdatePayload>(entra.server, updateMutation, { organizationId, applicationIds, certificate });
}

/** What a refused change must leave as it was: the store (with whether each entry holds a key), the audit log and the events. */
async function snapshot() {
  const dataSource = entra.server.database.dataSource;
  const store: { thumbprint: string; has_key: boolean }[] = await dataSource.query(
    `SELECT thumbprint_sha1 AS thumbprint, private_key_ciphertext IS NOT NULL AS has_key FROM certificates ORDER BY thumbprint_sha1`,
  );
  const [{ audit }] = (await dataSource.query(`SELECT count(*)::int AS audit FROM audit_log`)) as [{ audit: number }];
  const [{ events }] = (await dataSource.query(`SELECT count(*)::int AS events FROM certificate_events`)) as [{ events: number }];
  return { store, audit, events };
}

async function storeHas(thumbprint: string): Promise<boolean> {
  const { data } = await entra.server.graphql<{ certificateStore: { thumbprint: string }[] }>(
    `query($search: String) { certificateStore(filter: { search: $search }) { thumbprint } }`,
    { search: thumbprint },
  );
  return data!.certificateStore.some((entry) => entry.thumbprint === thumbprint);
}

async function removeApplications(organizationId: string, applicationIds: string[]) {
  const { data, errors } = await entra.server.graphql<{ removeApplications: Payload }>(
    `mutation($input: RemoveApplicationsInput!) { removeApplications(input: $input) { errors { code ids message } } }`,
    { input: { organizationId, applicationIds } },
  );
  expect(errors).toBeUndefined();
  return data!.removeApplications.errors;
}

async function activeRotations(): Promise<number> {
  const rows: unknown[] = await entra.server.database.dataSource.query(
    `SELECT 1 FROM key_rotations WHERE state IN ('STARTED', 'REGISTERED', 'PROVEN', 'SWITCHED')`,
  );
  return rows.length;
}

describe('a refused update from a PFX file leaves nothing behind', () => {
  it('ROTATION_REGISTRATION_FAILED: the file’s certificate does not join the store; no audit entry, no event', async () => {
    const current = newCertificate('Backup 2025');
    const { organizationId, applicationIds } = await applicationsWith(current, 1);
    const next = newCertificate('Backup 2026');
    const before = await snapshot();
    entra.emulator.admin.injectFault({ kind: 'serverError', target: 'graph', count: 5, status: 500, pathContains: 'addKey' });
    const result = await updateFromPfx(organizationId, applicationIds, next);
    expect(result.errors[0]).toMatchObject({ code: 'ROTATION_REGISTRATION_FAILED' });
    expect(await snapshot()).toEqual(before);
    expect(await storeHas(next.thumbprint)).toBe(false);
    expect(entraThumbprints(entra.emulator, applicationIds[0]!)).toEqual([current.thumbprint]);
  });

  it('ROTATION_PROOF_FAILED: the same', async () => {
    const current = newCertificate('Backup 2025');
    const { organizationId, applicationIds } = await applicationsWith(current, 1);
    const next = newCertificate('Backup 2026');
    const before = await snapshot();
    entra.emulator.admin.configure({ keyReplicationDelayMs: 60_000 });
    const result = await updateFromPfx(organizationId, applicationIds, next);
    expect(result.errors[0]).toMatchObject({ code: 'ROTATION_PROOF_FAILED' });
    expect(await snapshot()).toEqual(before);
    expect(await storeHas(next.thumbprint)).toBe(false);
    expect(entraThumbprints(entra.emulator, applicationIds[0]!)).toEqual([current.thumbprint]);
  });

  it('ROTATION_IN_PROGRESS (another rotation of the application is running): the same', async () => {
    const current = newCertificate('Backup 2025');
    const { organizationId, applicationIds } = await applicationsWith(current, 1);
    const running = await importIntoStore(entra.server, newCertificate('Backup 2026 A'));
    // The first update waits for Entra to replicate its key (proof retried for up to 4 s), its rotation unfinished meanwhile.
    entra.emulator.admin.configure({ keyReplicationDelayMs: 1_500 });
    const first = updateFromStore(organizationId, applicationIds, running);
    await until(async () => (await activeRotations()) > 0, 'the first rotation to start');
    const next = newCertificate('Backup 2026 B');
    const before = await snapshot();
    const second = await updateFromPfx(organizationId, applicationIds, next);
    expect(second.errors[0]).toMatchObject({ code: 'ROTATION_IN_PROGRESS', ids: applicationIds });
    expect(await snapshot()).toEqual(before);
    expect(await storeHas(next.thumbprint)).toBe(false);
    expect((await first).errors).toEqual([]);
  });

  it('a certificate that was in the store before (reused by its thumbprint) stays there, as it was', async () => {
    const current = newCertificate('Backup 2025');
    const { organizationId, applicationIds } = await applicationsWith(current, 1);
    const next = newCertificate('Backup 2026');
    await importIntoStore(entra.server, next);
    const before = await snapshot();
    entra.emulator.admin.injectFault({ kind: 'serverError', target: 'graph', count: 5, status: 500, pathContains: 'addKey' });
    const result = await updateFromPfx(organizationId, applicationIds, next);
    expect(result.errors[0]).toMatchObject({ code: 'ROTATION_REGISTRATION_FAILED' });
    expect(await snapshot()).toEqual(before);
    expect(await storeHas(next.thumbprint)).toBe(true);
  });

  it('an accepted update from a PFX file adds the certificate to the store with the change', async () => {
    const current = newCertificate('Backup 2025');
    const { organizationId, applicationIds } = await applicationsWith(current, 2);
    const next = newCertificate('Backup 2026');
    const result = await updateFromPfx(organizationId, applicationIds, next);
    expect(result.errors).toEqual([]);
    expect(result.applications.map((application) => application.certificate?.thumbprint)).toEqual([next.thumbprint, next.thumbprint]);
    expect(await storeHas(next.thumbprint)).toBe(true);
    for (const applicationId of applicationIds) expect(entraThumbprints(entra.emulator, applicationId)).toEqual([next.thumbprint]);
    const rows: { new_certificate_id: string | null; state: string }[] = await entra.server.database.dataSource.query(
      `SELECT new_certificate_id, state FROM key_rotations k JOIN certificates c ON c.id = k.new_certificate_id WHERE c.thumbprint_sha1 = $1`,
      [next.thumbprint],
    );
    expect(rows.map((row) => row.state)).toEqual(['OLD_KEY_REMOVED', 'OLD_KEY_REMOVED']);
  });
});

describe('mutations racing an update get coded errors', () => {
  it('removeStoreCertificate of the certificate an unfinished rotation switches to: ROTATION_IN_PROGRESS, and the update goes on', async () => {
    const current = newCertificate('Backup 2025');
    const { organizationId, applicationIds } = await applicationsWith(current, 1);
    const next = newCertificate('Backup 2026');
    const nextId = await importIntoStore(entra.server, next);
    entra.emulator.admin.configure({ keyReplicationDelayMs: 1_500 });
    const update = updateFromStore(organizationId, applicationIds, nextId);
    await until(async () => (await activeRotations()) > 0, 'the rotation to start');
    const { data, errors } = await entra.server.graphql<{ removeStoreCertificate: Payload }>(
      `mutation($input: RemoveStoreCertificateInput!) { removeStoreCertificate(input: $input) { errors { code ids message } } }`,
      { input: { certificateId: nextId } },
    );
    expect(errors).toBeUndefined();
    expect(data!.removeStoreCertificate.errors).toMatchObject([{ code: 'ROTATION_IN_PROGRESS', ids: applicationIds }]);
    expect((await update).errors).toEqual([]);
  });

  it('removeStoreCertificate of a certificate an earlier rotation switched to, once nothing uses it: removed', async () => {
    const current = newCertificate('Backup 2025');
    const { organizationId, applicationIds } = await applicationsWith(current, 1);
    const next = newCertificate('Backup 2026');
    const nextId = await importIntoStore(entra.server, next);
    expect((await updateFromStore(organizationId, applicationIds, nextId)).errors).toEqual([]);
    expect((await updateFromPfx(organizationId, applicationIds, newCertificate('Backup 2027'))).errors).toEqual([]);
    const { data, errors } = await entra.server.graphql<{ removeStoreCertificate: Payload }>(
      `mutation($input: RemoveStoreCertificateInput!) { removeStoreCertificate(input: $input) { errors { code ids message } } }`,
      { input: { certificateId: nextId } },
    );
    expect(errors).toBeUndefined();
    expect(data!.removeStoreCertificate.errors).toEqual([]);
  });

  it('removeApplications of an application whose rotation runs: ROTATION_IN_PROGRESS, nothing removed; the update goes on', async () => {
    const current = newCertificate('Backup 2025');
    const { organizationId, applicationIds } = await applicationsWith(current, 2);
    const [rotating, idle] = applicationIds as [string, string];
    const next = newCertificate('Backup 2026');
    const nextId = await importIntoStore(entra.server, next);
    entra.emulator.admin.configure({ keyReplicationDelayMs: 1_500 });
    const update = updateFromStore(organizationId, [rotating], nextId);
    await until(async () => (await activeRotations()) > 0, 'the rotation to start');
    // All or nothing: the application without a rotation stays too.
    expect(await removeApplications(organizationId, [idle, rotating])).toEqual([
      { code: 'ROTATION_IN_PROGRESS', ids: [rotating], message: errorMessageIn('removeApplications', 'ROTATION_IN_PROGRESS') },
    ]);
    expect((await update).errors).toEqual([]);
    expect(entraThumbprints(entra.emulator, rotating)).toEqual([next.thumbprint]);
    expect(await removeApplications(organizationId, [idle, rotating])).toEqual([]);
  });

  describe.skipIf(testDatabaseKind !== 'postgres')('on PostgreSQL, with a lock held by the test (the embedded database has one session)', () => {
    /** Holds `FOR UPDATE` on the organization row, as removeOrganization does, until released. */
    function holdOrganization(organizationId: string) {
      return holdLock(entra.server.database.dataSource, `SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE`, [organizationId]);
    }

    const waiting = () => waitingOnLocks(entra.server.database.dataSource);

    it('removeApplications while the update starts its rotation: the update answers APPLICATION_NOT_FOUND', async () => {
      const current = newCertificate('Backup 2025');
      const { organizationId, applicationIds } = await applicationsWith(current, 1);
      const nextId = await importIntoStore(entra.server, newCertificate('Backup 2026'));
      const lock = await holdOrganization(organizationId);
      let update: Promise<UpdatePayload> | undefined;
      let removal: Promise<unknown> | undefined;
      try {
        update = updateFromStore(organizationId, applicationIds, nextId);
        await until(async () => (await waiting()) === 1, 'the update to wait for the organization');
        let removed = false;
        removal = entra.server
          .graphql<{ removeApplications: Payload }>(
            `mutation($input: RemoveApplicationsInput!) { removeApplications(input: $input) { errors { code ids } } }`,
            { input: { organizationId, applicationIds } },
          )
          .finally(() => (removed = true));
        // Either the removal finishes at once, or it waits for the update's locks.
        await until(async () => removed || (await waiting()) === 2, 'the removal to finish or wait');
      } finally {
        await lock.query('COMMIT');
        await lock.end();
      }
      const result = await update!;
      await removal;
      expect(result.errors).toMatchObject([{ code: 'APPLICATION_NOT_FOUND', ids: applicationIds }]);
      expect(await activeRotations()).toBe(0);
    });

    it('removeApplications waiting for the update that writes its rotation rows: ROTATION_IN_PROGRESS once they are written, nothing removed', async () => {
      const current = newCertificate('Backup 2025');
      const { organizationId, applicationIds } = await applicationsWith(current, 1);
      const next = newCertificate('Backup 2026');
      const nextId = await importIntoStore(entra.server, next);
      const [{ currentId }] = (await entra.server.database.dataSource.query(
        `SELECT certificate_id AS "currentId" FROM backup_applications WHERE application_id = $1`,
        applicationIds,
      )) as [{ currentId: string }];
      // removeStoreCertificate's first statement on the applications' current certificate: the update, its applications
      // locked, waits to write the rows that name it.
      const lock = await holdLock(entra.server.database.dataSource, `SELECT 1 FROM certificates WHERE id = $1 FOR UPDATE`, [currentId]);
      let update: Promise<UpdatePayload> | undefined;
      let removal: Promise<Payload['errors']> | undefined;
      try {
        update = updateFromStore(organizationId, applicationIds, nextId);
        await until(async () => (await waiting()) === 1, 'the update to wait while writing its rows');
        removal = removeApplications(organizationId, applicationIds);
        await until(async () => (await waiting()) === 2, 'the removal to wait for the applications');
      } finally {
        await lock.query('COMMIT');
        await lock.end();
      }
      expect(await removal!).toMatchObject([{ code: 'ROTATION_IN_PROGRESS', ids: applicationIds }]);
      expect((await update!).errors).toEqual([]);
      expect(entraThumbprints(entra.emulator, applicationIds[0]!)).toEqual([next.thumbprint]);
    });

    it('an organization removed while the update starts its rotation: ORGANIZATION_NOT_FOUND, not INTERNAL_ERROR', async () => {
      const current = newCertificate('Backup 2025');
      const { organizationId, applicationIds } = await applicationsWith(current, 1);
      const nextId = await importIntoStore(entra.server, newCertificate('Backup 2026'));
      // The statements removeOrganization runs, in the order it runs them: lock the organization, then delete it.
      const lock = await holdOrganization(organizationId);
      let update: Promise<UpdatePayload> | undefined;
      try {
        update = updateFromStore(organizationId, applicationIds, nextId);
        await until(async () => (await waiting()) === 1, 'the update to wait for the organization');
        await lock.query(`SET LOCAL lock_timeout = '3s'`);
        await lock.query(`DELETE FROM organizations WHERE id = $1`, [organizationId]);
      } finally {
        await lock.query('COMMIT');
        await lock.end();
      }
      expect((await update!).errors).toMatchObject([{ code: 'ORGANIZATION_NOT_FOUND' }]);
    });
  });
});

describe('a rotation step that could not reach Entra is finished in the background, without a restart', () => {
  /**
   * The update's new key does not sign in in time (Entra replicates it for a minute) and the rollback's withdrawal of it
   * fails. (A registration whose every Graph call fails leaves nothing to withdraw: Entra was never asked to add the key.)
   */
  function withdrawalFailsAfterProof(): void {
    entra.emulator.admin.configure({ keyReplicationDelayMs: 60_000 });
    entra.emulator.admin.injectFault({ kind: 'serverError', target: 'graph', count: 1_000, status: 500, pathContains: 'removeKey' });
  }

  it('a rollback whose Graph calls failed: withdrawn once Graph answers again; the application can then be updated', async () => {
    const current = newCertificate('Backup 2025');
    const next = newCertificate('Backup 2026');
    const { organizationId, applicationIds } = await applicationsWith(current, 1);
    const nextId = await importIntoStore(entra.server, next);
    // The new key is registered but does not sign in in time, and the rollback cannot withdraw it.
    withdrawalFailsAfterProof();
    const failed = await updateFromStore(organizationId, applicationIds, nextId);
    expect(failed.errors[0]).toMatchObject({ code: 'ROTATION_PROOF_FAILED' });
    expect(await activeRotations()).toBe(1);
    expect(entraThumbprints(entra.emulator, applicationIds[0]!)).toEqual([current.thumbprint, next.thumbprint].sort());
    entra.emulator.admin.clearFaults();
    await until(async () => (await activeRotations()) === 0, 'the rollback to finish in the background', 20_000);
    const states: { state: string }[] = await entra.server.database.dataSource.query(
      `SELECT state FROM key_rotations WHERE new_certificate_id = $1`,
      [nextId],
    );
    expect(states).toEqual([{ state: 'ROLLED_BACK' }]);
    expect(entraThumbprints(entra.emulator, applicationIds[0]!)).toEqual([current.thumbprint]);
    entra.emulator.admin.configure({ keyReplicationDelayMs: 0 });
    const retried = await updateFromStore(organizationId, applicationIds, nextId);
    expect(retried.errors).toEqual([]);
  });

  it('a registration whose every Graph call failed: rolled back at once, as Entra was never asked to add the key', async () => {
    const current = newCertificate('Backup 2025');
    const { organizationId, applicationIds } = await applicationsWith(current, 1);
    const nextId = await importIntoStore(entra.server, newCertificate('Backup 2026'));
    entra.emulator.admin.injectFault({ kind: 'serverError', target: 'graph', count: 1_000, status: 500 });
    const failed = await updateFromStore(organizationId, applicationIds, nextId);
    expect(failed.errors[0]).toMatchObject({ code: 'ROTATION_REGISTRATION_FAILED' });
    expect(await activeRotations()).toBe(0);
    entra.emulator.admin.clearFaults();
    expect(entraThumbprints(entra.emulator, applicationIds[0]!)).toEqual([current.thumbprint]);
    expect((await updateFromStore(organizationId, applicationIds, nextId)).errors).toEqual([]);
  });

  it('removeApplications while a rollback waits for Entra: ROTATION_IN_PROGRESS, saying it is retried; removed once it is done', async () => {
    const current = newCertificate('Backup 2025');
    const { organizationId, applicationIds } = await applicationsWith(current, 1);
    const nextId = await importIntoStore(entra.server, newCertificate('Backup 2026'));
    withdrawalFailsAfterProof();
    expect((await updateFromStore(organizationId, applicationIds, nextId)).errors[0]).toMatchObject({ code: 'ROTATION_PROOF_FAILED' });
    const [refusal] = await removeApplications(organizationId, applicationIds);
    expect(refusal).toEqual({
      code: 'ROTATION_IN_PROGRESS',
      ids: applicationIds,
      message: errorMessageIn('removeApplications', 'ROTATION_IN_PROGRESS'),
    });
    expect(refusal!.message).toMatch(/retr/i);
    // The row the background retry works from is still there.
    expect(await activeRotations()).toBe(1);
    entra.emulator.admin.clearFaults();
    await until(async () => (await activeRotations()) === 0, 'the rollback to finish in the background', 20_000);
    expect(entraThumbprints(entra.emulator, applicationIds[0]!)).toEqual([current.thumbprint]);
    expect(await removeApplications(organizationId, applicationIds)).toEqual([]);
  });

  it('an old key whose removal failed: removed once Graph answers again; the organization can then be removed', async () => {
    const current = newCertificate('Backup 2025');
    const { organizationId, applicationIds } = await applicationsWith(current, 1);
    const next = newCertificate('Backup 2026');
    entra.emulator.admin.injectFault({ kind: 'serverError', target: 'graph', count: 1_000, status: 500, pathContains: 'removeKey' });
    const updated = await updateFromStore(organizationId, applicationIds, await importIntoStore(entra.server, next));
    expect(updated.errors).toEqual([]);
    expect(await activeRotations()).toBe(1);
    expect(entraThumbprints(entra.emulator, applicationIds[0]!)).toEqual([current.thumbprint, next.thumbprint].sort());
    entra.emulator.admin.clearFaults();
    await until(async () => (await activeRotations()) === 0, 'the old key’s removal to finish in the background', 20_000);
    expect(entraThumbprints(entra.emulator, applicationIds[0]!)).toEqual([next.thumbprint]);
    const { data } = await entra.server.graphql<{ removeOrganization: Payload }>(
      `mutation($id: ID!) { removeOrganization(id: $id) { errors { code ids } } }`,
      { id: organizationId },
    );
    expect(data!.removeOrganization.errors).toEqual([]);
  });
});

describe('the management key gone from Entra (deleted in the portal, or expired)', () => {
  it('updateCertificate answers ENTRA_SIGN_IN_REFUSED for the organization with the AADSTS code, not a failed registration of the application; nothing changes', async () => {
    // A certificate of its own, so no credential the server cached in earlier tests holds a token for it;
    // and tokens shorter-lived than MSAL's 5-minute refresh margin: each Graph call signs in again.
    const certificate = newCertificate('Contoso Backup Management (short tokens)');
    entra.emulator.admin.configure({ accessTokenLifetimeSeconds: 120 });
    const organizationId = await connectedOrganization(certificate);
    const current = newCertificate('Backup 2025');
    const { applicationIds } = await applicationsWith(current, 1, organizationId);
    const nextId = await importIntoStore(entra.server, newCertificate('Backup 2026'));
    const managementKey = entra.emulator.admin
      .state()
      .tenants.flatMap((candidate) => candidate.applications)
      .find((candidate) => candidate.appId === management.appId)!
      .keyCredentials.find((key) => key.customKeyIdentifier === certificate.thumbprint)!;
    entra.emulator.admin.removeKeyCredential(tenant.id, management.appId, managementKey.keyId);
    const before = await snapshot();

    const result = await updateFromStore(organizationId, applicationIds, nextId);
    expect(result).toEqual({
      applications: [],
      errors: [
        {
          code: 'ENTRA_SIGN_IN_REFUSED',
          ids: [organizationId, 'AADSTS700027'],
          message: `${errorMessages.ENTRA_SIGN_IN_REFUSED} (Entra: AADSTS700027)`,
        },
      ],
    });
    expect(await snapshot()).toEqual(before);
    expect(entraThumbprints(entra.emulator, applicationIds[0]!)).toEqual([current.thumbprint]);
    expect(await activeRotations()).toBe(0);
  });
});
