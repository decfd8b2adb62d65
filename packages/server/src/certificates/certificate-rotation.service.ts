import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@bam/shared';
import { type DataSource, type EntityManager, In } from 'typeorm';
import type { BackupApplication } from '../applications/backup-application.entity.js';
import type { Actor } from '../common/actor.js';
import { DomainError } from '../common/domain-error.js';
import type { RetryBackoff } from '../common/retry-backoff.js';
import type { EntraSettings } from '../config/config.js';
import { ApplicationEntraCheck, EntraKeyStatus } from '../entra/application-entra-check.entity.js';
import type { EntraConnectionsService } from '../entra/entra-connections.service.js';
import {
  addedKeyDisplayName,
  applicationNotFound,
  changedNothing,
  type EntraApplication,
  type EntraDirectory,
  EntraError,
  type KeyRegistration,
  type ManagementSignIn,
} from '../entra/entra-directory.js';
import { entraDomainError } from '../entra/entra-errors.js';
import { KeyRotation, KeyRotationState, unfinishedRotationStates } from '../entra/key-rotation.entity.js';
import type { PrivateKeyVault } from '../key-custody/private-key-vault.js';
import { openSigningCertificate, type SigningCertificate } from '../key-custody/signing-certificate.js';
import type { Logger } from '../logging/logger.js';
import type { CertificateChangeSource } from './certificate-change.entity.js';
import type { CurrentCertificates } from './update-certificate.service.js';
import { type RotationProgress, RotationStep, RotationStepStatus, silentProgress } from './rotation-progress.js';

/** A rotation step Entra could not take (a rollback, an old key's removal) is tried again after 2 s, doubling each time up to 5 min. */
const rotationRetryBackoff: RetryBackoff = Object.freeze({ firstMs: 2_000, maxMs: 5 * 60_000 });

/**
 * The lease of the instance running a rotation on its rows, how often it renews it, and how often every instance looks
 * for leases that ran out. The renewal has its own timer, so no Entra step delays it (the proof alone may retry for
 * ENTRA_PROOF_TIMEOUT_MS); only the database can — a renewal waits for a connection and for the switch's lock on the
 * rows, seconds — so three renewals may miss before another instance takes the rows. A crashed instance's rows wait
 * that long, and until the next look, for another instance to finish or roll them back.
 */
export interface RotationLeaseTiming {
  leaseMs: number;
  renewEveryMs: number;
  sweepEveryMs: number;
}
export const rotationLeaseTiming: RotationLeaseTiming = Object.freeze({ leaseMs: 120_000, renewEveryMs: 30_000, sweepEveryMs: 30_000 });

/** What the update service hands over once the database side is checked: the applications that change and the certificate. */
export interface RotationPlan {
  organizationId: string;
  applications: BackupApplication[];
  /** Current certificate of each application (by certificate id). */
  current: CurrentCertificates;
  /**
   * The new certificate: its store entry's id — null when it comes from a PFX file the store does not hold yet
   * (the file joins the store at the switch) — and its SHA-1 thumbprint.
   */
  certificate: { id: string | null; thumbprint: string };
  /** The new certificate with its key, when it is not (yet) opened from the store: a PFX file's. */
  newKey?: SigningCertificate;
  source: CertificateChangeSource;
  skipRegistration: boolean;
  /** The client's operation id: the batch id of the rotation rows, and the key of its progress. */
  operationId?: string | null;
}

/**
 * Sets the certificate in the database and records the changes, inside the given transaction (the update service's
 * own step); returns the store id of the certificate the applications now use.
 */
export type SwitchInDatabase = (manager: EntityManager, applications: BackupApplication[]) => Promise<string>;

/**
 * A certificate update on an organization connected to Entra, as a safe rotation, per application:
 * register the new key on the Entra application → prove it signs in → switch in the database →
 * remove the old key. Entra is never called inside a database transaction: each step is recorded in
 * a `key_rotations` row first, so `recover()` can finish or roll back after a crash. A failure to
 * register or prove withdraws every new key of the batch and keeps the old configuration.
 */
export class CertificateRotationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly vault: PrivateKeyVault,
    private readonly connections: EntraConnectionsService,
    private readonly directory: EntraDirectory,
    private readonly settings: EntraSettings,
    private readonly logger: Logger,
    private readonly lease: RotationLeaseTiming = rotationLeaseTiming,
    private readonly retry: RetryBackoff = rotationRetryBackoff,
  ) {
    this.retryDelayMs = retry.firstMs;
  }

  /** On the database's clock, so the instances' clocks need not agree; the statement's time, not its transaction's start. */
  private readonly leaseEnd = () => `clock_timestamp() + interval '${this.lease.leaseMs} milliseconds'`;

  /**
   * Rows this process could not finish because Entra did not answer, or found leased by the instance running them: each
   * blocks its application (and its organization's removal) with ROTATION_IN_PROGRESS until finished, so they are
   * retried in the background.
   */
  private readonly toRetry = new Set<string>();
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelayMs: number;
  private retrying: Promise<void> | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private stopped = false;

  /**
   * Records one STARTED row per application, in the caller's transaction — the one that locked the applications and
   * checked the update, so nothing can remove them or the certificate between the checks and the rows. The unique
   * index refuses a second unfinished rotation of an application (ROTATION_IN_PROGRESS, and the transaction rolls back).
   * The rows commit leased to this instance: no other instance's recovery takes them while `rotate` runs them.
   */
  async start(manager: EntityManager, plan: RotationPlan, actor: Actor): Promise<KeyRotation[]> {
    const batchId = plan.operationId?.toLowerCase() ?? randomUUID();
    const leaseHolder = randomUUID();
    const repository = manager.getRepository(KeyRotation);
    let rows: KeyRotation[];
    try {
      rows = await repository.save(
        plan.applications.map((application) =>
          repository.create({
            batchId,
            organizationId: plan.organizationId,
            backupApplicationId: application.id,
            applicationId: application.applicationId,
            oldCertificateId: application.certificateId,
            newCertificateId: plan.certificate.id,
            // The history keeps the thumbprints once a finished rotation's certificates leave the store.
            oldThumbprint: application.certificateId ? (plan.current.get(application.certificateId)?.thumbprint ?? null) : null,
            newThumbprint: plan.certificate.thumbprint,
            // Not until the rotation is about to add a key Entra does not hold (registerNewKey).
            registeredByUs: false,
            state: KeyRotationState.STARTED,
            startedBy: actor.id,
            leaseHolder,
          }),
        ),
      );
    } catch (error) {
      if ((error as { code?: string }).code === '23505') {
        throw new DomainError(
          ErrorCode.ROTATION_IN_PROGRESS,
          plan.applications.map((application) => application.applicationId),
        );
      }
      throw error;
    }
    await manager.update(KeyRotation, { id: In(rows.map((row) => row.id)) }, { leaseExpiresAt: this.leaseEnd });
    return rows;
  }

  /**
   * Runs the rotation whose rows `start` recorded (and the caller committed): register, prove, switch, remove the old key,
   * renewing the rows' lease meanwhile.
   */
  async rotate(
    plan: RotationPlan,
    rows: KeyRotation[],
    switchInDatabase: SwitchInDatabase,
    progress: RotationProgress = silentProgress,
  ): Promise<void> {
    await this.holdingLease(rows, () => this.runRotation(plan, rows, switchInDatabase, progress));
  }

  private async runRotation(plan: RotationPlan, rows: KeyRotation[], switchInDatabase: SwitchInDatabase, progress: RotationProgress): Promise<void> {
    let signIn: ManagementSignIn;
    let newKey: SigningCertificate;
    try {
      signIn = await this.connections.signIn(plan.organizationId);
      newKey = plan.newKey ?? (await openSigningCertificate(this.dataSource.manager, this.vault, plan.certificate.id!));
    } catch (error) {
      // Nothing is registered yet: the rows end here.
      progress.report({ step: RotationStep.REGISTER, status: RotationStepStatus.FAILED, error });
      await this.abandon(rows, error);
      throw error;
    }
    try {
      for (const row of rows) await this.registerAndProve(row, signIn, newKey, plan.skipRegistration, progress);
    } catch (error) {
      await this.rollBack(rows, signIn, error, progress);
      throw error;
    }
    try {
      for (const row of rows) progress.report({ step: RotationStep.SWITCH, status: RotationStepStatus.RUNNING, applicationId: row.applicationId });
      await this.switchOver(rows, plan, switchInDatabase);
      for (const row of rows) progress.report({ step: RotationStep.SWITCH, status: RotationStepStatus.DONE, applicationId: row.applicationId });
    } catch (error) {
      for (const row of rows)
        progress.report({ step: RotationStep.SWITCH, status: RotationStepStatus.FAILED, applicationId: row.applicationId, error });
      await this.rollBack(rows, signIn, error, progress);
      throw error;
    }
    for (const row of rows) await this.removeOldKey(row, signIn, progress);
  }

  /**
   * Finishes or rolls back the rotations a stopped server left unfinished: SWITCHED ones remove the
   * old key; earlier ones withdraw the new key. Runs at start-up; failures are logged and retried in the background.
   * Rotations another instance is running (it holds their lease) are left to it, and looked at again later should it stop.
   */
  async recover(): Promise<void> {
    const unfinished = await this.dataSource
      .getRepository(KeyRotation)
      .find({ select: { id: true }, where: { state: In([...unfinishedRotationStates]) } });
    await this.recoverRows(
      unfinished.map((row) => row.id),
      'server stopped during the rotation',
    );
  }

  /** Finishes or rolls back those of the rows no instance holds; the others still unfinished go to the background retry. */
  private async recoverRows(ids: string[], cause: string): Promise<void> {
    if (ids.length === 0) return;
    const holder = randomUUID();
    const rows = await this.claim(ids, holder);
    const claimed = new Set(rows.map((row) => row.id));
    const others = ids.filter((id) => !claimed.has(id));
    const held =
      others.length === 0
        ? []
        : await this.dataSource
            .getRepository(KeyRotation)
            .find({ select: { id: true }, where: { id: In(others), state: In([...unfinishedRotationStates]) } });
    if (held.length > 0)
      this.logger.info({ rotations: held.length }, 'certificate rotations still leased by the instance running them; looked at again later');
    for (const row of held) this.retryLater(row.id);
    if (rows.length === 0) return;
    this.logger.warn({ rotations: rows.length }, 'finishing certificate rotations left unfinished');
    await this.holdingLease(rows, () => this.finish(rows, cause));
  }

  /** Leases to `holder` those of the rows still unfinished whose lease ran out or that none holds; returns them, oldest first. */
  private async claim(ids: string[], holder: string): Promise<KeyRotation[]> {
    await this.dataSource
      .createQueryBuilder()
      .update(KeyRotation)
      .set({ leaseHolder: holder, leaseExpiresAt: this.leaseEnd })
      .where({ id: In(ids), state: In([...unfinishedRotationStates]) })
      .andWhere('(lease_expires_at IS NULL OR lease_expires_at <= now())')
      .execute();
    return this.dataSource.getRepository(KeyRotation).find({ where: { id: In(ids), leaseHolder: holder }, order: { startedAt: 'ASC' } });
  }

  /**
   * Runs `work` on the rows, leased together (`start` or `claim`), while renewing their lease (one update for all), then
   * releases it: rows left unfinished (a step retried in the background) are any instance's to recover from then on.
   */
  private async holdingLease(rows: KeyRotation[], work: () => Promise<void>): Promise<void> {
    const holder = rows[0]?.leaseHolder;
    if (!holder) return work();
    const ids = rows.map((row) => row.id);
    const held = { id: In(ids), leaseHolder: holder };
    const renewal = setInterval(() => {
      // Only a lease still held: once it ran out another instance may have taken the rows (a step of this one then fails).
      this.dataSource
        .createQueryBuilder()
        .update(KeyRotation)
        .set({ leaseExpiresAt: this.leaseEnd })
        .where(held)
        .andWhere('lease_expires_at > now()')
        .execute()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'could not renew the lease of a certificate rotation'));
    }, this.lease.renewEveryMs);
    renewal.unref();
    try {
      await work();
    } finally {
      clearInterval(renewal);
      await this.dataSource
        .getRepository(KeyRotation)
        .update(held, { leaseHolder: null, leaseExpiresAt: null })
        .catch((error: unknown) => this.logger.warn({ err: error }, 'could not release the lease of a certificate rotation; it runs out'));
    }
  }

  /**
   * Looks every `sweepEveryMs` for rotations whose lease ran out — the instance running them crashed, or lost the
   * database — and finishes or rolls them back here, so they need not wait for an instance to start up. The server
   * starts it once it serves (commands look only once, at start-up).
   */
  startLeaseSweep(): void {
    if (this.stopped || this.sweepTimer) return;
    this.sweepTimer = setInterval(() => {
      this.sweeping ??= this.sweepExpiredLeases()
        .catch((error: unknown) => this.logger.error({ err: error }, 'looking for certificate rotations whose lease ran out failed'))
        .finally(() => (this.sweeping = null));
    }, this.lease.sweepEveryMs);
    this.sweepTimer.unref();
  }

  private async sweepExpiredLeases(): Promise<void> {
    const rows = await this.dataSource
      .getRepository(KeyRotation)
      .createQueryBuilder('rotation')
      .select('rotation.id', 'id')
      .where({ state: In([...unfinishedRotationStates]) })
      .andWhere('(rotation.lease_expires_at IS NULL OR rotation.lease_expires_at <= now())')
      .getRawMany<{ id: string }>();
    // Those queued here already wait for Entra on the retry's own schedule.
    const ids = rows.map((row) => row.id).filter((id) => !this.toRetry.has(id));
    await this.recoverRows(ids, 'the instance running the rotation stopped renewing its lease');
  }

  /** Stops the background retries and the lease sweep (the server stops); waits for those under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    await Promise.all([this.retrying, this.sweeping]);
  }

  /** Removes the old key of SWITCHED rows, rolls back earlier ones; what Entra refuses or cannot be reached is retried later. */
  private async finish(rows: KeyRotation[], cause: string): Promise<void> {
    for (const row of rows) {
      try {
        const signIn = await this.connections.signIn(row.organizationId);
        if (row.state === KeyRotationState.SWITCHED) await this.removeOldKey(row, signIn);
        else await this.rollBack([row], signIn, new Error(cause));
      } catch (error) {
        this.logger.error({ rotationId: row.id, state: row.state, err: error }, 'could not finish a certificate rotation; retried later');
        this.retryLater(row.id);
      }
    }
  }

  /** Queues an unfinished row for the background retry, which takes it once no instance holds its lease. */
  private retryLater(rowId: string): void {
    if (this.stopped) return;
    this.toRetry.add(rowId);
    if (this.retryTimer || this.retrying) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.retrying = this.retryUnfinished()
        .catch((error: unknown) => this.logger.error({ err: error }, 'certificate rotation retry failed'))
        .finally(() => {
          this.retrying = null;
          const next = [...this.toRetry];
          this.toRetry.clear();
          for (const rowId of next) this.retryLater(rowId);
        });
    }, this.retryDelayMs);
    this.retryTimer.unref();
  }

  private async retryUnfinished(): Promise<void> {
    const queued = [...this.toRetry];
    this.toRetry.clear();
    // Read again: another instance's start-up may have finished some meanwhile, or hold them now.
    await this.recoverRows(queued, 'rolled back after Entra could not be reached');
    // Still failing: wait longer before the next try; all done: the next failure starts from the first delay.
    this.retryDelayMs = this.toRetry.size > 0 ? Math.min(this.retryDelayMs * 2, this.retry.maxMs) : this.retry.firstMs;
  }

  private async registerAndProve(
    row: KeyRotation,
    signIn: ManagementSignIn,
    newKey: SigningCertificate,
    skipRegistration: boolean,
    progress: RotationProgress,
  ): Promise<void> {
    const applicationId = row.applicationId;
    if (skipRegistration) {
      progress.report({ step: RotationStep.REGISTER, status: RotationStepStatus.SKIPPED, applicationId });
    } else {
      progress.report({ step: RotationStep.REGISTER, status: RotationStepStatus.RUNNING, applicationId });
      await this.registerNewKey(row, signIn, newKey, progress);
      // Rolled back meanwhile: the rotation stops, and its rollback withdraws the key the other instance may not have seen.
      if (!(await this.advance(row, KeyRotationState.REGISTERED))) throw new DomainError(ErrorCode.ROTATION_IN_PROGRESS, [applicationId]);
      progress.report({ step: RotationStep.REGISTER, status: RotationStepStatus.DONE, applicationId });
    }
    progress.report({ step: RotationStep.PROVE, status: RotationStepStatus.RUNNING, applicationId });
    try {
      await this.directory.proveSignIn(signIn, applicationId, newKey, this.settings.proofTimeoutMs, (attempt, entraCode) =>
        progress.report({
          step: RotationStep.PROVE,
          status: RotationStepStatus.RETRYING,
          applicationId,
          attempt,
          entraCode,
        }),
      );
    } catch (error) {
      const errorCode = ErrorCode.ROTATION_PROOF_FAILED;
      progress.report({ step: RotationStep.PROVE, status: RotationStepStatus.FAILED, applicationId, error, errorCode });
      throw entraDomainError(error, [applicationId], errorCode);
    }
    if (!(await this.advance(row, KeyRotationState.PROVEN))) throw new DomainError(ErrorCode.ROTATION_IN_PROGRESS, [applicationId]);
    progress.report({ step: RotationStep.PROVE, status: RotationStepStatus.DONE, applicationId });
  }

  /**
   * Adds the new key to the application, recording on the row whether it is this rotation's: only then does a rollback
   * withdraw it. A key Entra holds already is not — the administrator uploaded the certificate in the portal, or, once
   * another instance rolled this stalled rotation back, a later rotation to the same certificate registered it.
   * `registeredByUs` is recorded before Entra is asked to add a key it does not hold, with the key id when the rotation
   * chooses it (PATCH, no proof); an instance that rolls the row back before Entra's key id is recorded (addKey with a
   * proof) looks for the key by thumbprint and the server's marking (`addedKeyDisplayName`), so it leaves one an
   * administrator uploads in the portal meanwhile; a key held before is never looked for. Once Entra refuses the add,
   * the row no longer claims the key: an administrator may have uploaded the certificate meanwhile.
   */
  private async registerNewKey(row: KeyRotation, signIn: ManagementSignIn, newKey: SigningCertificate, progress: RotationProgress): Promise<void> {
    const applicationId = row.applicationId;
    const failed = (error: unknown) => {
      // Every call of this step goes to Graph as the management application (a proof of possession is signed here, not
      // a sign-in): a refused sign-in is the organization's management key, not this application's — as on any Graph call.
      const managementRefused = error instanceof EntraError && error.failure === 'SIGN_IN_REFUSED';
      const errorCode = managementRefused ? ErrorCode.ENTRA_SIGN_IN_REFUSED : ErrorCode.ROTATION_REGISTRATION_FAILED;
      progress.report({ step: RotationStep.REGISTER, status: RotationStepStatus.FAILED, applicationId, error, errorCode });
      return entraDomainError(error, [managementRefused ? row.organizationId : applicationId], errorCode);
    };
    let application: EntraApplication;
    let registration: KeyRegistration;
    try {
      // The signer is opened first, so only the row's update stands between the read and the add.
      const proofSigner = await this.proofSigner(row.oldCertificateId);
      registration = proofSigner ? { proofSigner } : { keyId: randomUUID() };
      // The one read of the application: addKey acts on it rather than reading it again (Graph throttles per tenant).
      const found = await this.directory.getApplication(signIn, applicationId);
      if (!found) throw applicationNotFound(applicationId);
      application = found;
    } catch (error) {
      throw failed(error);
    }
    if (!application.keys.some((key) => key.thumbprint === row.newThumbprint)) {
      row.registeredByUs = true;
      if ('keyId' in registration) row.newKeyId = registration.keyId;
      if (!(await this.advance(row, row.state))) {
        // Rolled back elsewhere before Entra was asked: no key is this rotation's to withdraw.
        Object.assign(row, { registeredByUs: false, newKeyId: null });
        throw new DomainError(ErrorCode.ROTATION_IN_PROGRESS, [applicationId]);
      }
    }
    try {
      const registered = await this.directory.addKey(signIn, application, newKey, registration);
      Object.assign(row, { newKeyId: registered.keyId, registeredByUs: registered.added });
    } catch (error) {
      // Refused: Entra added no key, so none is this rotation's — one with the certificate now is someone else's (the
      // administrator uploaded it in the portal meanwhile). After a timeout or a server error the key may be there: it stays ours.
      if (row.registeredByUs && changedNothing(error)) {
        Object.assign(row, { registeredByUs: false, newKeyId: null });
        await this.advance(row, row.state);
      }
      throw failed(error);
    }
  }

  /** The database switch, with every row of the batch moved to SWITCHED in the same transaction. */
  private async switchOver(rows: KeyRotation[], plan: RotationPlan, switchInDatabase: SwitchInDatabase): Promise<void> {
    const certificateId = await this.dataSource.transaction(async (manager) => {
      // The applications first (the switch locks them), then the rows: a removal of the applications locks them in that order too.
      const switchedTo = await switchInDatabase(manager, plan.applications);
      const locked = await manager.find(KeyRotation, { where: { id: In(rows.map((row) => row.id)) }, lock: { mode: 'pessimistic_write' } });
      // Another instance's start-up may have rolled a row back (or begun to) meanwhile: then nothing switches.
      if (locked.length < rows.length || locked.some((row) => row.state !== KeyRotationState.PROVEN || row.failure !== null)) {
        throw new DomainError(
          ErrorCode.ROTATION_IN_PROGRESS,
          rows.map((row) => row.applicationId),
        );
      }
      await manager.update(
        KeyRotation,
        { id: In(rows.map((row) => row.id)) },
        { state: KeyRotationState.SWITCHED, newCertificateId: switchedTo, updatedAt: new Date() },
      );
      await manager.upsert(
        ApplicationEntraCheck,
        rows.map((row) => ({
          backupApplicationId: row.backupApplicationId,
          status: EntraKeyStatus.REGISTERED,
          thumbprint: plan.certificate.thumbprint,
          verifiedAt: new Date(),
        })),
        ['backupApplicationId'],
      );
      return switchedTo;
    });
    for (const row of rows) Object.assign(row, { state: KeyRotationState.SWITCHED, newCertificateId: certificateId });
  }

  /**
   * Withdraws the new keys this batch registered (best effort per row) and marks the rows ROLLED_BACK. Each row first
   * records its failure, so no instance still running the rotation takes a step forward after the key is withdrawn.
   */
  private async rollBack(rows: KeyRotation[], signIn: ManagementSignIn, cause: unknown, progress: RotationProgress = silentProgress): Promise<void> {
    const failure = cause instanceof Error ? cause.message.slice(0, 500) : String(cause);
    for (const row of rows) {
      if (row.state === KeyRotationState.ROLLED_BACK || row.state === KeyRotationState.SWITCHED || row.state === KeyRotationState.OLD_KEY_REMOVED)
        continue;
      const movedOn = await this.beginRollBack(row, failure);
      if (movedOn) {
        // Another instance rolled it back, perhaps looking for the new key before this one registered it: withdraw it too —
        // only a key this process added, by the id Entra gave it, as a new rotation to the same certificate may have
        // registered it since (addKey then found that rotation's key: not this one's).
        if (movedOn === KeyRotationState.ROLLED_BACK && row.registeredByUs && row.newKeyId) {
          await this.withdrawNewKey(row, signIn, progress).catch((error: unknown) =>
            this.logger.error({ rotationId: row.id, applicationId: row.applicationId, err: error }, 'could not withdraw a new key from Entra'),
          );
        }
        continue;
      }
      if (row.registeredByUs) {
        try {
          await this.withdrawNewKey(row, signIn, progress);
        } catch (error) {
          this.logger.error({ rotationId: row.id, applicationId: row.applicationId, err: error }, 'could not withdraw a new key from Entra');
          // Left unfinished, tried again in the background (and at the next start-up).
          this.retryLater(row.id);
          continue;
        }
      }
      await this.advance(row, KeyRotationState.ROLLED_BACK);
    }
  }

  /**
   * Removes the row's new key from the application in Entra, if it is there: the key id recorded at registration, or —
   * not recorded, as when the runner stopped right after Entra added it — the key with the new certificate's thumbprint
   * and the server's marking. A key with the certificate but without the marking is an administrator's, uploaded in the
   * portal while the runner stalled before its add: it stays.
   */
  private async withdrawNewKey(row: KeyRotation, signIn: ManagementSignIn, progress: RotationProgress): Promise<void> {
    const application = await this.directory.getApplication(signIn, row.applicationId);
    const marking = addedKeyDisplayName(row.newThumbprint);
    const key = application?.keys.find((candidate) =>
      row.newKeyId ? candidate.keyId === row.newKeyId : candidate.thumbprint === row.newThumbprint && candidate.displayName === marking,
    );
    if (!application || !key) return;
    await this.directory.removeKey(signIn, application, key.keyId, await this.proofSigner(row.oldCertificateId));
    progress.report({ step: RotationStep.REGISTER, status: RotationStepStatus.UNDONE, applicationId: row.applicationId });
  }

  /** Rows that never reached Entra (the management sign-in failed): rolled back without calling it. */
  private async abandon(rows: KeyRotation[], cause: unknown): Promise<void> {
    const failure = cause instanceof Error ? cause.message.slice(0, 500) : String(cause);
    // Only rows still STARTED: another instance may have rolled one back (or on) meanwhile.
    await this.dataSource
      .getRepository(KeyRotation)
      .update(
        { id: In(rows.map((row) => row.id)), state: KeyRotationState.STARTED },
        { state: KeyRotationState.ROLLED_BACK, failure, updatedAt: new Date() },
      );
    for (const row of rows) Object.assign(row, { state: KeyRotationState.ROLLED_BACK, failure });
  }

  /** After the switch: withdraws the old certificate's key from Entra, unless configured to keep it until it expires. */
  private async removeOldKey(row: KeyRotation, signIn: ManagementSignIn, progress: RotationProgress = silentProgress): Promise<void> {
    const applicationId = row.applicationId;
    try {
      let removed = false;
      // Recorded when the rotation started (the migration filled it in for older rows); null: there was no old certificate.
      const oldThumbprint = row.oldThumbprint;
      if (oldThumbprint && oldThumbprint !== row.newThumbprint && !this.settings.keepOldKeyUntilExpiry) {
        progress.report({ step: RotationStep.REMOVE_OLD_KEY, status: RotationStepStatus.RUNNING, applicationId });
        const application = await this.directory.getApplication(signIn, applicationId);
        const key = application?.keys.find((candidate) => candidate.thumbprint === oldThumbprint);
        if (application && key) await this.directory.removeKey(signIn, application, key.keyId, await this.proofSigner(row.newCertificateId));
        removed = Boolean(key);
      }
      await this.advance(row, KeyRotationState.OLD_KEY_REMOVED);
      progress.report({ step: RotationStep.REMOVE_OLD_KEY, status: removed ? RotationStepStatus.DONE : RotationStepStatus.SKIPPED, applicationId });
    } catch (error) {
      // The application already uses the new key: the update stands, the removal is tried again in the background.
      this.logger.error({ rotationId: row.id, applicationId, err: error }, 'could not remove the old key from Entra');
      this.retryLater(row.id);
      progress.report({
        step: RotationStep.REMOVE_OLD_KEY,
        status: RotationStepStatus.POSTPONED,
        applicationId,
        error,
        errorCode: ErrorCode.ENTRA_REQUEST_FAILED,
      });
    }
  }

  /** The key that signs addKey/removeKey proofs: a certificate the application holds, valid now, with its key in the store. */
  private async proofSigner(certificateId: string | null): Promise<SigningCertificate | null> {
    if (!certificateId) return null;
    try {
      const signer = await openSigningCertificate(this.dataSource.manager, this.vault, certificateId);
      const now = Date.now();
      return signer.notBefore.getTime() <= now && signer.notAfter.getTime() > now ? signer : null;
    } catch (error) {
      if (error instanceof DomainError) return null;
      throw error;
    }
  }

  /**
   * Moves the row on from the state this process last saw, only if no other instance moved it meanwhile (another's
   * recovery rolls back an unfinished rotation whose lease ran out, even one still running here after a stall). A step forward also needs no
   * rollback to have begun. False when the row had moved on: what the other instance recorded stands.
   */
  private async advance(row: KeyRotation, state: KeyRotationState): Promise<boolean> {
    const updatedAt = new Date();
    const update = this.dataSource
      .createQueryBuilder()
      .update(KeyRotation)
      .set({ state, newKeyId: row.newKeyId, registeredByUs: row.registeredByUs, failure: row.failure, updatedAt })
      .where('id = :id AND state = :seen', { id: row.id, seen: row.state });
    if (state !== KeyRotationState.ROLLED_BACK) update.andWhere('failure IS NULL');
    if ((await update.execute()).affected !== 1) {
      await this.movedOnElsewhere(row, state);
      return false;
    }
    Object.assign(row, { state, updatedAt });
    return true;
  }

  /**
   * Records why the row rolls back, if it still is where this process saw it: from then on no step forward succeeds.
   * Null when it did; otherwise the state another instance recorded.
   */
  private async beginRollBack(row: KeyRotation, failure: string): Promise<KeyRotationState | null> {
    const { affected } = await this.dataSource
      .createQueryBuilder()
      .update(KeyRotation)
      .set({ failure, updatedAt: new Date() })
      .where('id = :id AND state = :seen', { id: row.id, seen: row.state })
      .execute();
    if (affected === 1) {
      row.failure = failure;
      return null;
    }
    return this.movedOnElsewhere(row, KeyRotationState.ROLLED_BACK);
  }

  /** Another instance moved the row on: this one leaves it as recorded there. Returns that state (a row gone counts as rolled back). */
  private async movedOnElsewhere(row: KeyRotation, wanted: KeyRotationState): Promise<KeyRotationState> {
    const current = await this.dataSource.getRepository(KeyRotation).findOneBy({ id: row.id });
    this.logger.info(
      {
        rotationId: row.id,
        applicationId: row.applicationId,
        seen: row.state,
        wanted,
        state: current?.state ?? null,
        rollingBack: Boolean(current?.failure),
      },
      'another instance moved this certificate rotation on; leaving it as that instance recorded it',
    );
    return current?.state ?? KeyRotationState.ROLLED_BACK;
  }
}
