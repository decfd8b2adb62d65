import { ErrorCode } from '@bam/shared';
import { type DataSource, type EntityManager } from 'typeorm';
import { type BackupApplication } from '../applications/backup-application.entity.js';
import { checkApplicationSelection, lockSelection } from '../applications/backup-application.service.js';
import { AuditAction } from '../audit/audit-entry.entity.js';
import type { AuditService } from '../audit/audit.service.js';
import { type Actor, assertOrganizationAccess } from '../common/actor.js';
import { DomainError } from '../common/domain-error.js';
import { plainRows } from '../common/plain-rows.js';
import { isUuid, normalizeUuid } from '../common/uuid.js';
import type { KeyRotation } from '../entra/key-rotation.entity.js';
import { refuseManagementApplications } from '../entra/management-applications.js';
import { certificateUpdated } from '../events/certificate-events.js';
import type { EventOutboxService } from '../events/event-outbox.service.js';
import { logApplicationsChange } from '../logging/application-ids-log.js';
import type { Logger } from '../logging/logger.js';
import { CertificateChangeSource } from './certificate-change.entity.js';
import { pfxSignInFacts, signInProblem } from './certificate-rules.js';
import { type CertificateStoreService, type ReadPfx, unusableReason } from './certificate-store.service.js';
import { Certificate, CertificateSource } from './certificate.entity.js';
import type { PfxReadOptions } from '../pfx/pfx-worker-pool.js';
import type { CertificateRotationService } from './certificate-rotation.service.js';
import { updateThroughEntra } from './entra-update.js';
import { type RotationProgress, RotationStep, RotationStepStatus, silentProgress } from './rotation-progress.js';

export interface UpdateOptions extends PfxReadOptions {
  /** The client's id for this update: the rotation's batch id on Entra, and the key of its progress. */
  operationId?: string | null;
  progress?: RotationProgress;
}

export interface UpdateTarget {
  applicationId: string;
  /** Undefined: no check. Null: the client saw "Not configured". A thumbprint: it must still be current. */
  expectedThumbprint?: string | null;
}

export interface CertificateChoice {
  storeCertificateId?: string | null;
  /** A PFX file's bytes, with its password. */
  pfx?: { content: Buffer; password?: string | null } | null;
  /** Organizations connected to Entra: the administrator registered the certificate in the portal; only prove sign-in. */
  skipRegistration?: boolean | null;
}

/**
 * An update through Entra whose applications were locked and checked, and whose rotation rows were started in the
 * same transaction: the certificate's store entry (null when it comes from a PFX file the store does not hold: the
 * file joins the store at the switch) and its thumbprint.
 */
export interface CheckedUpdate {
  applications: BackupApplication[];
  current: CurrentCertificates;
  certificate: Certificate | null;
  thumbprint: string;
  /** The applications whose certificate changes, and their rotation rows (none when none changes). */
  changing: BackupApplication[];
  rotations: KeyRotation[];
}

export interface UpdateResult {
  applications: BackupApplication[];
  certificate: Certificate;
}

/**
 * Sets one certificate on one or many applications of an organization: all of them in one
 * transaction, or none. The certificate comes from the store or from a PFX file, which then joins
 * the store too. Every application whose certificate changes gets a history record.
 */
export class UpdateCertificateService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: CertificateStoreService,
    private readonly audit: AuditService,
    private readonly logger: Logger,
    private readonly events: EventOutboxService,
    /** Certificate rotation on Entra, for organizations connected to it (see `entra-update.ts`). */
    private readonly rotation?: CertificateRotationService,
  ) {}

  async update(
    organizationId: string,
    targets: readonly UpdateTarget[],
    choice: CertificateChoice,
    actor: Actor,
    options: UpdateOptions = {},
  ): Promise<UpdateResult> {
    const progress = options.progress ?? silentProgress;
    progress.report({ step: RotationStep.VALIDATE, status: RotationStepStatus.RUNNING });
    try {
      return await this.validateAndUpdate(organizationId, targets, choice, actor, options, progress);
    } catch (error) {
      if (!progress.validated) progress.report({ step: RotationStep.VALIDATE, status: RotationStepStatus.FAILED, error });
      throw error;
    }
  }

  private async validateAndUpdate(
    organizationId: string,
    targets: readonly UpdateTarget[],
    choice: CertificateChoice,
    actor: Actor,
    options: UpdateOptions,
    progress: RotationProgress,
  ): Promise<UpdateResult> {
    assertOrganizationAccess(actor, organizationId);
    const selection = checkApplicationSelection(targets.map((target) => target.applicationId));
    if (Boolean(choice.storeCertificateId) === Boolean(choice.pfx)) throw new DomainError(ErrorCode.CERTIFICATE_SOURCE_INVALID);

    // Reading the file happens before the transaction: no row stays locked while a worker decrypts it.
    const pfx = choice.pfx ? await this.readPfxForSignIn(choice.pfx, options) : null;
    try {
      const result = await this.dataSource.transaction(async (manager) => {
        // The organization first, as removeOrganization locks it before its applications: it cannot go while the
        // update checks and starts its rotation, and the two never wait for each other's locks.
        await lockOrganizationKey(manager, organizationId);
        const { applications, entraConnected } = await lockSelection(manager, organizationId, selection, actor);
        // A row added before addApplications refused management applications: its rotation would remove the key the
        // server signs in with. Its organization's connection cannot change meanwhile (the key-share lock above).
        if (entraConnected) await refuseManagementApplications(manager, selection);
        const rotation = entraConnected ? this.rotation : undefined;
        let current: CurrentCertificates, certificate: Certificate;
        if (pfx && rotation) {
          current = await certificatesById(manager, applications);
          checkExpectations(applications, targets, current);
          // Through Entra the file joins the store only at the switch, with the change: a refused rotation leaves nothing.
          const { thumbprint } = pfx.certificate.metadata;
          const stored = await manager.findOne(Certificate, { where: { thumbprint }, lock: { mode: 'pessimistic_read' } });
          return {
            throughEntra: await startRotation(
              manager,
              rotation,
              { applications, current, certificate: stored, thumbprint },
              pfx,
              choice,
              actor,
              options,
            ),
          };
        }
        if (pfx) {
          current = await certificatesById(manager, applications);
          checkExpectations(applications, targets, current);
          ({ certificate } = await this.store.save(manager, pfx, {
            keyExportable: true,
            source: CertificateSource.PFX_IMPORT,
            whenPresent: 'reuse',
          }));
        } else {
          const locked = await lockStoreCertificate(manager, choice.storeCertificateId!, applications);
          current = locked.current;
          checkExpectations(applications, targets, current);
          if (!locked.certificate) throw new DomainError(ErrorCode.STORE_CERTIFICATE_NOT_FOUND, [choice.storeCertificateId!]);
          certificate = locked.certificate;
        }
        const problem = unusableReason(certificate);
        if (problem) throw new DomainError(problem, [certificate.id]);
        // Connected to Entra: the checks and the rotation's rows commit here, and the rotation switches later.
        if (rotation) {
          const checked = { applications, current, certificate, thumbprint: certificate.thumbprint };
          return { throughEntra: await startRotation(manager, rotation, checked, null, choice, actor, options) };
        }

        const changing = applications.filter((application) => application.certificateId !== certificate.id);
        if (changing.length > 0) {
          const auditEntryId = await setCertificate(manager, this.audit, changing, certificate, {
            previousThumbprints: changing.map((application) =>
              application.certificateId ? (current.get(application.certificateId)?.thumbprint ?? null) : null,
            ),
            source: pfx ? CertificateChangeSource.PFX_FILE : CertificateChangeSource.STORE,
            actor,
          });
          await this.events.record(
            manager,
            certificateUpdated({ applications: changing, current, certificate, source: pfx ? 'PFX_FILE' : 'STORE', rotationStep: null, actor }),
            { applicationsAuditEntryId: auditEntryId },
          );
        }
        for (const application of applications) application.certificateId = certificate.id;
        return { applications, certificate, changed: changing.length };
      });
      if (result.throughEntra) {
        const dependencies = { rotation: this.rotation!, store: this.store, audit: this.audit, logger: this.logger, events: this.events };
        return await updateThroughEntra(dependencies, organizationId, {
          checked: result.throughEntra,
          choice,
          pfx,
          actor,
          progress,
          operationId: options.operationId,
        });
      }
      progress.report({ step: RotationStep.VALIDATE, status: RotationStepStatus.DONE });
      progress.report({ step: RotationStep.SWITCH, status: RotationStepStatus.DONE });
      logApplicationsChange(
        this.logger,
        { actor: actor.id, organizationId, thumbprint: result.certificate.thumbprint, changed: result.changed },
        result.applications.map((application) => application.applicationId),
        'application certificates updated',
      );
      return { applications: result.applications, certificate: result.certificate };
    } finally {
      pfx?.privateKey?.fill(0);
    }
  }

  /** Reads the uploaded PFX and applies every sign-in rule to it, as to a Personal, exportable entry. */
  private async readPfxForSignIn(upload: NonNullable<CertificateChoice['pfx']>, options: PfxReadOptions): Promise<ReadPfx> {
    const pfx = await this.store.readPfx(upload.content, upload.password ?? '', options);
    const problem = signInProblem(pfxSignInFacts(pfx.certificate.metadata, pfx.privateKey !== null));
    if (problem) {
      pfx.privateKey?.fill(0);
      throw new DomainError(problem);
    }
    return pfx;
  }
}

/** Key-share locks the organization row: it cannot be removed until the transaction ends; updates do not wait for one another. */
async function lockOrganizationKey(manager: EntityManager, organizationId: string): Promise<void> {
  if (isUuid(organizationId)) await manager.query(`SELECT 1 FROM organizations WHERE id = $1 FOR KEY SHARE`, [normalizeUuid(organizationId)]);
}

/**
 * Records the rotation rows of the applications whose certificate changes, in the transaction that checked them —
 * so neither the applications, the organization nor the store certificate can go before the rows exist.
 */
async function startRotation(
  manager: EntityManager,
  rotation: CertificateRotationService,
  checked: Omit<CheckedUpdate, 'changing' | 'rotations'>,
  pfx: ReadPfx | null,
  choice: CertificateChoice,
  actor: Actor,
  options: UpdateOptions,
): Promise<CheckedUpdate> {
  const changing = checked.applications.filter((application) => !checked.certificate || application.certificateId !== checked.certificate.id);
  const rotations =
    changing.length === 0
      ? []
      : await rotation.start(
          manager,
          {
            organizationId: checked.applications[0]!.organizationId,
            applications: changing,
            current: checked.current,
            certificate: { id: checked.certificate?.id ?? null, thumbprint: checked.thumbprint },
            source: pfx ? CertificateChangeSource.PFX_FILE : CertificateChangeSource.STORE,
            skipRegistration: Boolean(choice.skipRegistration),
            operationId: options.operationId,
          },
          actor,
        );
  return { ...checked, changing, rotations };
}

/**
 * Points the applications at the certificate and records one history row each, in one set-based
 * statement (array parameters: a statement binds at most 65,535 parameters, so per-row parameters would
 * cap a bulk update at a few thousand applications), and the change in the audit log — all in the
 * caller's transaction. Returns the audit entry's id; its `details.applications` are the applications, in their order.
 */
export async function setCertificate(
  manager: EntityManager,
  audit: AuditService,
  applications: readonly BackupApplication[],
  certificate: Certificate,
  change: { previousThumbprints: (string | null)[]; source: CertificateChangeSource; actor: Actor },
): Promise<string> {
  const ids = applications.map((application) => application.id);
  // The UPDATE runs as part of the statement although nothing reads its output (PostgreSQL runs every
  // data-modifying WITH exactly once): one round trip, and the ids sent once.
  await manager.query(
    `WITH switched AS (UPDATE backup_applications SET certificate_id = $3 WHERE id = ANY($1::uuid[]))
     INSERT INTO certificate_changes (backup_application_id, certificate_id, thumbprint, not_after, previous_thumbprint, source, changed_by)
     SELECT change.application_id, $3, $4, $5, change.previous_thumbprint, $6, $7
     FROM unnest($1::uuid[], $2::text[]) AS change (application_id, previous_thumbprint)`,
    [ids, change.previousThumbprints, certificate.id, certificate.thumbprint, certificate.notAfter, change.source, change.actor.id],
  );
  return audit.record(manager, change.actor, {
    action: AuditAction.CERTIFICATE_UPDATED,
    organizationId: applications[0]!.organizationId,
    details: {
      certificateId: certificate.id,
      source: change.source,
      applications: applications.map((application, index) => ({
        applicationId: application.applicationId,
        previousThumbprint: change.previousThumbprints[index],
        thumbprint: certificate.thumbprint,
      })),
    },
  });
}

/** What an update needs of the certificates applications have now: their thumbprints, by certificate id. */
export type CurrentCertificates = ReadonlyMap<string, { thumbprint: string }>;

export async function certificatesById(manager: EntityManager, applications: BackupApplication[]): Promise<CurrentCertificates> {
  const ids = currentCertificateIds(applications);
  // Plain SQL: building a TypeORM find for every update cost more than the statement.
  const rows =
    ids.length > 0
      ? ((await manager.query(`SELECT id, thumbprint_sha1 AS thumbprint FROM certificates WHERE id = ANY($1::uuid[])`, [ids])) as {
          id: string;
          thumbprint: string;
        }[])
      : [];
  return new Map(rows.map(({ id, thumbprint }) => [id, { thumbprint }]));
}

function currentCertificateIds(applications: readonly BackupApplication[]): string[] {
  return [...new Set(applications.map((application) => application.certificateId).filter((id): id is string => id !== null))];
}

/** Optimistic concurrency: the client names the certificate it saw; anything else means someone changed it. */
export function checkExpectations(applications: BackupApplication[], targets: readonly UpdateTarget[], current: CurrentCertificates): void {
  const conflicts = applications.filter((application, index) => {
    const expected = targets[index]!.expectedThumbprint;
    if (expected === undefined) return false;
    const actual = application.certificateId ? (current.get(application.certificateId)?.thumbprint ?? null) : null;
    return (expected === null ? null : expected.replace(/[\s:]/g, '').toUpperCase()) !== actual;
  });
  if (conflicts.length > 0)
    throw new DomainError(
      ErrorCode.CERTIFICATE_CONFLICT,
      conflicts.map((application) => application.applicationId),
    );
}

/**
 * Share-locks the store certificate (null when there is none with that id) and reads, in the same statement, the
 * thumbprints of the certificates the applications have now. The applications must be locked already: this
 * statement's snapshot then sees every update of them committed before (a join in their locking statement would
 * not — a lock that waits re-reads the locked row but not the joined one).
 */
export async function lockStoreCertificate(
  manager: EntityManager,
  id: string,
  applications: readonly BackupApplication[],
): Promise<{ certificate: Certificate | null; current: CurrentCertificates }> {
  const columns = plainRows(manager.connection, Certificate, { omit: ['der'] });
  // A share lock: the certificate cannot leave the store while applications start using it. The outer join
  // keeps the one row when the certificate is missing, so the thumbprints are still there for the conflict check.
  const [row] = (await manager.query(
    `SELECT (SELECT json_object_agg(id, thumbprint_sha1) FROM certificates WHERE id = ANY($2::uuid[])) AS "current", chosen.*
     FROM (SELECT 1) AS one
     LEFT JOIN (SELECT ${columns.columns('certificates', 'chosen_')} FROM certificates WHERE id = $1 FOR SHARE) AS chosen ON true`,
    [isUuid(id) ? id : null, currentCertificateIds(applications)],
  )) as [Record<string, unknown> & { current: Record<string, string> | null }];
  return {
    certificate: row.chosen_id === null ? null : columns.entity(row, 'chosen_'),
    current: new Map(Object.entries(row.current ?? {}).map(([certificateId, thumbprint]) => [certificateId, { thumbprint }])),
  };
}
