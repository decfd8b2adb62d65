import os from 'node:os';
import { Writable } from 'node:stream';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BackupApplication } from '../../src/applications/backup-application.entity.js';
import { systemActor } from '../../src/common/actor.js';
import { CertificateChangeSource } from '../../src/certificates/certificate-change.entity.js';
import {
  CertificateRotationService,
  type RotationLeaseTiming,
  type RotationPlan,
  rotationLeaseTiming,
} from '../../src/certificates/certificate-rotation.service.js';
import { loadConfig } from '../../src/config/config.js';
import { type EntraDirectory, EntraError } from '../../src/entra/entra-directory.js';
import { createLogger } from '../../src/logging/logger.js';
import { eventually } from '../support/webhook-receiver.js';
import { backups, entraThumbprints, importIntoStore, management, newCertificate, tenant, useEntraTestServer } from '../support/entra-fixture.js';
import type { TestCertificate } from '../support/pfx-fixtures.js';

// Two instances on one database: one runs a certificate rotation while the other's start-up (or its periodic look for
// leases that ran out) finds its row unfinished. While the running instance holds the row's lease the other leaves it
// alone; once the lease ran out (the running instance stalled or crashed, simulated by setting the lease in the past)
// the other rolls it back. Each instance is a CertificateRotationService of its own over the file's server; the running
// one reaches Entra through a directory the test holds at one step, so the transitions happen in the order that matters.
// The same held directory lets an administrator act in the portal between a rotation's read of the application and its add.

const entra = useEntraTestServer();

/** A step of the running instance held until the test lets it go; `reached` resolves once the instance waits there. */
class Gate {
  reached!: Promise<void>;
  private arrive!: () => void;
  private release!: () => void;
  private readonly released: Promise<void>;
  constructor() {
    this.reached = new Promise((resolve) => (this.arrive = resolve));
    this.released = new Promise((resolve) => (this.release = resolve));
  }
  async pass(): Promise<void> {
    this.arrive();
    await this.released;
  }
  open(): void {
    this.release();
  }
}

/**
 * The server's own directory, held before it registers a key, once Entra added it (before the rotation hears its key
 * id), after Entra proved one, or after it withdrew one.
 */
function heldDirectory(held: { beforeAddKey?: Gate; afterAddKey?: Gate; afterProof?: Gate; afterRemoveKey?: Gate }): EntraDirectory {
  const directory = entra.server.services.entraDirectory;
  return Object.assign(Object.create(directory) as EntraDirectory, {
    addKey: async (...args: Parameters<EntraDirectory['addKey']>) => {
      await held.beforeAddKey?.pass();
      const registered = await directory.addKey(...args);
      await held.afterAddKey?.pass();
      return registered;
    },
    proveSignIn: async (...args: Parameters<EntraDirectory['proveSignIn']>) => {
      await directory.proveSignIn(...args);
      await held.afterProof?.pass();
    },
    removeKey: async (...args: Parameters<EntraDirectory['removeKey']>) => {
      await directory.removeKey(...args);
      await held.afterRemoveKey?.pass();
    },
  });
}

/**
 * The server's own directory, whose addKey reaches Entra but whose answer is lost (a timeout once Graph added the key);
 * `added` hears of the key ids Entra then lists with the certificate.
 */
function addKeyAnswerLost(added: (keyIds: string[]) => void = () => {}): EntraDirectory {
  const directory = entra.server.services.entraDirectory;
  return Object.assign(Object.create(directory) as EntraDirectory, {
    addKey: async (...args: Parameters<EntraDirectory['addKey']>) => {
      await directory.addKey(...args);
      const [, application, certificate] = args;
      added(
        entraKeys(application.appId)
          .filter((key) => key.customKeyIdentifier === certificate.thumbprint)
          .map((key) => key.keyId),
      );
      throw new EntraError('UNAVAILABLE', 'Timeout', 'No answer from Entra in time.');
    },
  });
}

function entraKeys(appId: string) {
  const applications = entra.emulator.admin.state().tenants.flatMap((candidate) => candidate.applications);
  return applications.find((candidate) => candidate.appId === appId)!.keyCredentials;
}

const logLines: string[] = [];
/** An instance's rotation service; stopped (its background retries and sweep) when the test ends. */
function rotationService(directory: EntraDirectory, lease: RotationLeaseTiming = rotationLeaseTiming): CertificateRotationService {
  const config = loadConfig({ ...entra.environment, DATABASE_URL: 'postgres://127.0.0.1/unused', DATA_DIR: os.tmpdir() });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const { services, database } = entra.server;
  const service = new CertificateRotationService(
    database.dataSource,
    services.privateKeyVault,
    services.entraConnections,
    directory,
    config.entra,
    createLogger('debug', sink),
    lease,
  );
  onTestFinished(() => service.stop());
  return service;
}

/** A lease short enough for a test to outlive, renewed often enough that no renewal is due near its end; looked for often. */
const shortLease: RotationLeaseTiming = { leaseMs: 2_000, renewEveryMs: 200, sweepEveryMs: 100 };

/**
 * A connected organization with one application on `current` (registered in Entra; null: no certificate, so a rotation adds
 * the key without a proof), and `next` in the store.
 */
async function applicationOn(current: TestCertificate | null, next: TestCertificate): Promise<{ plan: RotationPlan; nextId: string }> {
  const server = entra.server;
  const managementCertificate = newCertificate('Management');
  const managementId = await importIntoStore(server, managementCertificate);
  entra.emulator.admin.registerKeyCredential(tenant.id, management.appId, { key: managementCertificate.der.toString('base64') });
  const added = await server.graphql<{ addOrganization: { organization: { id: string } | null; errors: unknown[] } }>(
    `mutation($input: AddOrganizationInput!) { addOrganization(input: $input) { organization { id } errors { code } } }`,
    { input: { tenant: tenant.domain, managementApplicationId: management.appId, managementCertificateId: managementId } },
  );
  const organizationId = added.data!.addOrganization.organization!.id;
  const backup = backups[0]!;
  await server.graphql(`mutation($input: AddApplicationsInput!) { addApplications(input: $input) { errors { code } } }`, {
    input: { organizationId, applicationIds: [backup.appId] },
  });
  const currentId = current ? await importIntoStore(server, current) : null;
  if (current) {
    entra.emulator.admin.registerKeyCredential(tenant.id, backup.appId, { key: current.der.toString('base64') });
    const updated = await server.graphql<{ updateCertificate: { errors: unknown[] } }>(
      `mutation($input: UpdateCertificateInput!) { updateCertificate(input: $input) { errors { code } } }`,
      { input: { organizationId, applications: [{ applicationId: backup.appId }], storeCertificateId: currentId, skipRegistration: true } },
    );
    expect(updated.data!.updateCertificate.errors).toEqual([]);
  }
  const nextId = await importIntoStore(server, next);
  const application = await server.database.dataSource.getRepository(BackupApplication).findOneByOrFail({ applicationId: backup.appId });
  return {
    nextId,
    plan: {
      organizationId,
      applications: [application],
      current: new Map(current && currentId ? [[currentId, { thumbprint: current.thumbprint }]] : []),
      certificate: { id: nextId, thumbprint: next.thumbprint },
      source: CertificateChangeSource.STORE,
      skipRegistration: false,
    },
  };
}

/** What the application and its latest rotation look like in the database and in Entra once the instances are done. */
async function outcome(nextId: string) {
  const dataSource = entra.server.database.dataSource;
  const [rotation]: { state: string }[] = await dataSource.query(
    `SELECT state FROM key_rotations WHERE new_certificate_id = $1 ORDER BY started_at DESC LIMIT 1`,
    [nextId],
  );
  const [application]: { certificate_id: string }[] = await dataSource.query(
    `SELECT certificate_id FROM backup_applications WHERE application_id = $1`,
    [backups[0]!.appId],
  );
  return { state: rotation?.state, switched: application?.certificate_id === nextId, entra: entraThumbprints(entra.emulator, backups[0]!.appId) };
}

/** Whether the latest rotation to the certificate recorded the new key as its own, and by which id. */
async function registration(nextId: string): Promise<{ registeredByUs: boolean; newKeyId: string | null }> {
  const [row]: { registeredByUs: boolean; newKeyId: string | null }[] = await entra.server.database.dataSource.query(
    `SELECT registered_by_us AS "registeredByUs", new_key_id AS "newKeyId" FROM key_rotations WHERE new_certificate_id = $1
     ORDER BY started_at DESC LIMIT 1`,
    [nextId],
  );
  return row!;
}

/** Runs a rotation on the held instance; `switchInDatabase` sets the certificate as the update service's switch would. */
async function startRotation(running: CertificateRotationService, plan: RotationPlan): Promise<unknown> {
  const dataSource = entra.server.database.dataSource;
  const rows = await dataSource.transaction((manager) => running.start(manager, plan, systemActor));
  return running
    .rotate(plan, rows, async (manager, applications) => {
      await manager.update(BackupApplication, { id: applications[0]!.id }, { certificateId: plan.certificate.id });
      return plan.certificate.id!;
    })
    .then(
      () => null,
      (error: unknown) => error,
    );
}

/**
 * An application on the current certificate whose rotation to the next one runs on an instance held at one step of
 * `held`; resolves once it waits there. `rotating` settles with the rotation's error (null: it succeeded).
 */
async function rotationHeldAt(
  held: 'beforeAddKey' | 'afterAddKey' | 'afterProof',
  { lease, nextInPortal = false }: { lease?: RotationLeaseTiming; nextInPortal?: boolean } = {},
) {
  const current = newCertificate('Backup 2025');
  const next = newCertificate('Backup 2026');
  const { plan, nextId } = await applicationOn(current, next);
  // The administrator uploaded the next certificate in the portal before the rotation (which still registers it).
  if (nextInPortal) entra.emulator.admin.registerKeyCredential(tenant.id, backups[0]!.appId, { key: next.der.toString('base64') });
  const gate = new Gate();
  const rotating = startRotation(rotationService(heldDirectory({ [held]: gate }), lease), plan);
  await gate.reached;
  return { current, next, plan, nextId, gate, rotating };
}

/** The running instance stalled past its lease: its rows count as left unfinished. */
async function leaseRunsOut(nextId: string): Promise<void> {
  await entra.server.database.dataSource.query(
    `UPDATE key_rotations SET lease_expires_at = now() - interval '1 second' WHERE new_certificate_id = $1`,
    [nextId],
  );
}

/**
 * Another instance recovers the stalled rotation, then the stalled runner goes on and gives up: `expected` holds after
 * each, and `alsoEachTime` is checked there too.
 */
async function recoveredThenRunnerGivesUp(
  { nextId, gate, rotating }: Pick<Awaited<ReturnType<typeof rotationHeldAt>>, 'nextId' | 'gate' | 'rotating'>,
  expected: Awaited<ReturnType<typeof outcome>>,
  alsoEachTime: () => void = () => undefined,
): Promise<void> {
  await rotationService(entra.server.services.entraDirectory).recover();
  expect(await outcome(nextId)).toEqual(expected);
  alsoEachTime();

  gate.open();
  expect(await rotating).toMatchObject({ code: 'ROTATION_IN_PROGRESS' });
  expect(await outcome(nextId)).toEqual(expected);
  alsoEachTime();
}

describe('a rotation another instance is running', () => {
  it("is left alone by the other instance's start-up, and finishes", async () => {
    const { current, next, nextId, gate, rotating } = await rotationHeldAt('afterProof');

    // The other instance starts up (a rolling deploy): the row is unfinished, but its lease is held.
    await rotationService(entra.server.services.entraDirectory).recover();
    expect(await outcome(nextId)).toEqual({ state: 'REGISTERED', switched: false, entra: [current.thumbprint, next.thumbprint].sort() });

    gate.open();
    expect(await rotating).toBeNull();
    expect(await outcome(nextId)).toEqual({ state: 'OLD_KEY_REMOVED', switched: true, entra: [next.thumbprint] });
  });

  it('is left alone for longer than its lease while the instance running it renews the lease, and finishes', async () => {
    const { current, next, nextId, gate, rotating } = await rotationHeldAt('afterProof', { lease: shortLease });
    const dataSource = entra.server.database.dataSource;
    const leaseEnd = async () =>
      (
        (await dataSource.query(`SELECT lease_expires_at::text AS "end" FROM key_rotations WHERE new_certificate_id = $1`, [nextId])) as {
          end: string;
        }[]
      )[0]!.end;
    const seenEnd = await leaseEnd();
    // The database's clock passes the end of the lease as seen here: only a renewal since keeps the row held.
    await eventually(
      async () => ((await dataSource.query(`SELECT now() > $1::timestamptz AS passed`, [seenEnd])) as { passed: boolean }[])[0]!.passed,
      (passed) => passed,
    );
    expect(await leaseEnd()).not.toBe(seenEnd);

    const other = rotationService(entra.server.services.entraDirectory, shortLease);
    await other.recover();
    expect(await outcome(nextId)).toEqual({ state: 'REGISTERED', switched: false, entra: [current.thumbprint, next.thumbprint].sort() });

    gate.open();
    expect(await rotating).toBeNull();
    expect(await outcome(nextId)).toEqual({ state: 'OLD_KEY_REMOVED', switched: true, entra: [next.thumbprint] });
  });
});

describe('a rotation whose lease ran out, which another instance rolls back meanwhile', () => {
  it('is not carried on once proven: the rollback stands, the application keeps its certificate and Entra its key', async () => {
    const { current, nextId, gate, rotating } = await rotationHeldAt('afterProof');
    await leaseRunsOut(nextId);

    // The other instance starts up: the row is unfinished and no instance holds it, so it withdraws the new key and rolls the row back.
    await recoveredThenRunnerGivesUp({ nextId, gate, rotating }, { state: 'ROLLED_BACK', switched: false, entra: [current.thumbprint] });
    expect(logLines.some((line) => /"level":30/.test(line) && line.includes('another instance'))).toBe(true);
  });

  it('is rolled back by an instance already running, without a restart', async () => {
    const { current, nextId, gate, rotating } = await rotationHeldAt('afterProof');
    rotationService(entra.server.services.entraDirectory, shortLease).startLeaseSweep();

    // The instance running the rotation crashes: its lease runs out and nobody renews it.
    await leaseRunsOut(nextId);
    const rolledBack = await eventually(
      () => outcome(nextId),
      (seen) => seen.state !== 'REGISTERED',
    );
    expect(rolledBack).toEqual({ state: 'ROLLED_BACK', switched: false, entra: [current.thumbprint] });

    gate.open();
    expect(await rotating).toMatchObject({ code: 'ROTATION_IN_PROGRESS' });
  });

  /** A rotation held at `step` and rolled back by another instance; then a new rotation to the same certificate, waiting after its proof. */
  async function rolledBackThenRotatedAgain(step: Parameters<typeof rotationHeldAt>[0]) {
    const held = await rotationHeldAt(step);
    await leaseRunsOut(held.nextId);
    await rotationService(entra.server.services.entraDirectory).recover();
    const again = new Gate();
    const rotatingAgain = startRotation(rotationService(heldDirectory({ afterProof: again })), held.plan);
    await again.reached;
    return { ...held, again, rotatingAgain };
  }

  /** The first rotation goes on and gives up, leaving Entra both keys; then the new rotation finishes, with the new key only. */
  async function firstGivesUpThenTheNewOneFinishes(rotations: Awaited<ReturnType<typeof rolledBackThenRotatedAgain>>) {
    const { current, next, nextId, gate, rotating, again, rotatingAgain } = rotations;
    gate.open();
    expect(await rotating).toMatchObject({ code: 'ROTATION_IN_PROGRESS' });
    expect(entraThumbprints(entra.emulator, backups[0]!.appId)).toEqual([current.thumbprint, next.thumbprint].sort());

    again.open();
    expect(await rotatingAgain).toBeNull();
    expect(await outcome(nextId)).toEqual({ state: 'OLD_KEY_REMOVED', switched: true, entra: [next.thumbprint] });
  }

  it('withdraws only its own key, not that of a new rotation to the same certificate', async () => {
    // The new rotation registers the certificate again (another key id).
    const rotations = await rolledBackThenRotatedAgain('afterProof');
    const { current, next, nextId } = rotations;
    expect(await outcome(nextId)).toEqual({ state: 'REGISTERED', switched: false, entra: [current.thumbprint, next.thumbprint].sort() });

    // The first rotation goes on, finds it was rolled back, and withdraws the key it registered: gone already.
    await firstGivesUpThenTheNewOneFinishes(rotations);
  });

  it('withdraws the key it registers after the rollback, leaving none behind in Entra', async () => {
    const { current, nextId, gate, rotating } = await rotationHeldAt('beforeAddKey');
    await leaseRunsOut(nextId);

    // Rolled back before the key reaches Entra: the other instance finds none to withdraw.
    await recoveredThenRunnerGivesUp({ nextId, gate, rotating }, { state: 'ROLLED_BACK', switched: false, entra: [current.thumbprint] });
  });

  it('withdraws no key after the rollback when a new rotation to the same certificate registered it first', async () => {
    const rotations = await rolledBackThenRotatedAgain('beforeAddKey');

    // The first rotation asks Entra to add the key only now: Entra holds it already, as the new rotation's, which stays.
    await firstGivesUpThenTheNewOneFinishes(rotations);
  });

  // Stalled after its proof (key id recorded), or before its add (none: the other instance cannot tell the key by its
  // id, yet must not take the administrator's for its own).
  it.each([
    ['rolls the rotation back', 'afterProof'],
    ['rolls back one stalled before its key id was recorded', 'beforeAddKey'],
  ] as const)('leaves the key an administrator uploaded before the rotation when it %s', async (_rollBack, step) => {
    const { current, next, nextId, gate, rotating } = await rotationHeldAt(step, { nextInPortal: true });
    await leaseRunsOut(nextId);
    await recoveredThenRunnerGivesUp(
      { nextId, gate, rotating },
      { state: 'ROLLED_BACK', switched: false, entra: [current.thumbprint, next.thumbprint].sort() },
    );
  });

  // Stalled once its row claimed the key it was about to add (addKey with a proof: no key id until Entra answers).
  it('leaves the key an administrator uploaded in the portal while the rotation stalled before its add', async () => {
    const { current, next, nextId, gate, rotating } = await rotationHeldAt('beforeAddKey');
    expect(await registration(nextId)).toEqual({ registeredByUs: true, newKeyId: null });
    const uploaded = entra.emulator.admin.registerKeyCredential(tenant.id, backups[0]!.appId, { key: next.der.toString('base64') });
    await leaseRunsOut(nextId);

    // Then the rotation goes on, adds its key after all, finds it was rolled back and withdraws that key only.
    await recoveredThenRunnerGivesUp(
      { nextId, gate, rotating },
      { state: 'ROLLED_BACK', switched: false, entra: [current.thumbprint, next.thumbprint].sort() },
      () => expect(entraKeys(backups[0]!.appId).map((key) => key.keyId)).toContain(uploaded.keyId),
    );
  });

  it('withdraws the key Entra added before the rotation stalled, its key id not recorded yet', async () => {
    const { current, next, nextId, gate, rotating } = await rotationHeldAt('afterAddKey');
    expect(await registration(nextId)).toEqual({ registeredByUs: true, newKeyId: null });
    expect(entraThumbprints(entra.emulator, backups[0]!.appId)).toEqual([current.thumbprint, next.thumbprint].sort());
    await leaseRunsOut(nextId);
    await recoveredThenRunnerGivesUp({ nextId, gate, rotating }, { state: 'ROLLED_BACK', switched: false, entra: [current.thumbprint] });
  });

  it('is not carried on when the other instance withdrew the key but has not yet recorded the rollback', async () => {
    const { current, nextId, gate, rotating } = await rotationHeldAt('afterProof');
    await leaseRunsOut(nextId);

    // The other instance's start-up withdraws the new key; before it records the rollback, the rotation goes on.
    const afterRemoveKey = new Gate();
    const recovering = rotationService(heldDirectory({ afterRemoveKey })).recover();
    await afterRemoveKey.reached;
    expect(entraThumbprints(entra.emulator, backups[0]!.appId)).toEqual([current.thumbprint]);
    gate.open();
    expect(await rotating).toMatchObject({ code: 'ROTATION_IN_PROGRESS' });
    afterRemoveKey.open();
    await recovering;
    expect(await outcome(nextId)).toEqual({ state: 'ROLLED_BACK', switched: false, entra: [current.thumbprint] });
  });
});

describe('a rotation whose add of the new key fails', () => {
  /**
   * A rotation that read the application (without the new certificate) and whose add Graph then refuses (403), once
   * `meanwhile` happened; resolves with the outcome once the rotation is rolled back. A rollback with a key to withdraw
   * waits for Graph to answer again (in the background); one without is done at once.
   */
  async function addRefused(meanwhile: (next: TestCertificate) => void) {
    const { current, next, nextId, gate, rotating } = await rotationHeldAt('beforeAddKey');
    meanwhile(next);
    entra.emulator.admin.revokePermission(tenant.id, management.appId, 'Application.ReadWrite.All');
    gate.open();
    expect(await rotating).toMatchObject({ code: 'ROTATION_REGISTRATION_FAILED' });
    entra.emulator.admin.grantPermission(tenant.id, management.appId, 'Application.ReadWrite.All');
    const rolledBack = await eventually(
      () => outcome(nextId),
      (seen) => seen.state === 'ROLLED_BACK',
    );
    return { current, next, rolledBack, registration: await registration(nextId) };
  }

  it('withdraws no key when Graph refused the add, leaving the one an administrator uploaded in the portal meanwhile', async () => {
    // Entra holds the certificate after all, but not as the rotation's key.
    const { current, next, rolledBack, registration } = await addRefused((next) =>
      entra.emulator.admin.registerKeyCredential(tenant.id, backups[0]!.appId, { key: next.der.toString('base64') }),
    );
    expect(rolledBack).toEqual({ state: 'ROLLED_BACK', switched: false, entra: [current.thumbprint, next.thumbprint].sort() });
    expect(registration).toEqual({ registeredByUs: false, newKeyId: null });
  });

  it('still counts the key as its own when Graph refused only the retry of an add it first answered with a 503', async () => {
    // The first attempt may have added the key before Graph failed: the rollback looks for it.
    const { current, rolledBack, registration } = await addRefused(() =>
      entra.emulator.admin.injectFault({ kind: 'serverError', target: 'graph', count: 1, status: 503, pathContains: '/addKey' }),
    );
    expect(rolledBack).toEqual({ state: 'ROLLED_BACK', switched: false, entra: [current.thumbprint] });
    expect(registration).toEqual({ registeredByUs: true, newKeyId: null });
  });

  // Graph may have added the key before the answer was lost: the rollback withdraws it, by the id the row recorded before
  // the add (PATCH, no proof) or by the certificate's thumbprint (addKey with a proof, whose key id only Entra's answer tells).
  it.each([
    ['with a proof of possession (addKey)', true],
    ['without one (PATCH)', false],
  ] as const)('withdraws the key Entra may have added when the answer to its add was lost, %s', async (_path, withCurrent) => {
    const current = withCurrent ? newCertificate('Backup 2025') : null;
    const next = newCertificate('Backup 2026');
    const { plan, nextId } = await applicationOn(current, next);
    let added: string[] = [];
    const failed = await startRotation(rotationService(addKeyAnswerLost((keyIds) => (added = keyIds))), plan);
    expect(failed).toMatchObject({ code: 'ROTATION_REGISTRATION_FAILED' });
    expect(added).toHaveLength(1);
    expect(await outcome(nextId)).toEqual({ state: 'ROLLED_BACK', switched: false, entra: current ? [current.thumbprint] : [] });
    expect(await registration(nextId)).toEqual({ registeredByUs: true, newKeyId: withCurrent ? null : added[0] });
  });
});
