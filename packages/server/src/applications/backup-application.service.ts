import { randomUUID } from 'node:crypto';
import { ErrorCode, errorMessageIn } from '@bam/shared';
import { type DataSource } from 'typeorm';
import { AuditAction } from '../audit/audit-entry.entity.js';
import { AUDIT_ENTRY_COLUMNS, type AuditService, auditEntryValues } from '../audit/audit.service.js';
import { type Actor, assertOrganizationAccess, canAccessOrganization } from '../common/actor.js';
import { DomainError } from '../common/domain-error.js';
import { isUuid, normalizeUuid } from '../common/uuid.js';
import { unfinishedRotationStates } from '../entra/key-rotation.entity.js';
import { applicationsRemoved } from '../events/certificate-events.js';
import type { EventOutboxService } from '../events/event-outbox.service.js';
import { logApplicationsChange } from '../logging/application-ids-log.js';
import type { Logger } from '../logging/logger.js';
import { BackupApplication } from './backup-application.entity.js';

/** Checks a selection of application (client) ids: at least one, each once. Returns them normalized. */
export function checkApplicationSelection(applicationIds: readonly string[]): string[] {
  if (applicationIds.length === 0) throw new DomainError(ErrorCode.APPLICATION_SELECTION_EMPTY);
  const normalized = applicationIds.map(normalizeUuid);
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const id of normalized) (seen.has(id) ? repeated : seen).add(id);
  if (repeated.size > 0) throw new DomainError(ErrorCode.APPLICATION_SELECTION_DUPLICATE, [...repeated]);
  return normalized;
}

export class BackupApplicationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly logger: Logger,
    private readonly events: EventOutboxService,
  ) {}

  /** The application, or null when there is none or its organization is outside the actor's scope. */
  async findById(actor: Actor, id: string): Promise<BackupApplication | null> {
    if (!isUuid(id)) return null;
    const application = await this.dataSource.getRepository(BackupApplication).findOneBy({ id: normalizeUuid(id) });
    return application && canAccessOrganization(actor, application.organizationId) ? application : null;
  }

  /**
   * Removes the applications from the organization's backup configuration in one transaction:
   * every one of them, or — when any is unknown or belongs elsewhere — none.
   */
  async remove(organizationId: string, applicationIds: readonly string[], actor: Actor): Promise<BackupApplication[]> {
    assertOrganizationAccess(actor, organizationId);
    const selection = checkApplicationSelection(applicationIds);
    const removed = await this.dataSource.transaction(async (manager) => {
      const { applications, auditEntryId } = await deleteApplications(manager, organizationId, selection, actor);
      const entryId =
        auditEntryId ??
        (await this.audit.record(manager, actor, {
          action: AuditAction.APPLICATIONS_REMOVED,
          organizationId: applications[0]!.organizationId,
          details: removalDetails(applications),
        }));
      await this.events.record(manager, applicationsRemoved(applications, actor), { applicationsAuditEntryId: entryId });
      return applications;
    });
    logApplicationsChange(
      this.logger,
      { actor: actor.id, organizationId },
      removed.map((application) => application.applicationId),
      'applications removed',
    );
    return removed;
  }
}

/** The audit entry's details of a removal: the applications, in selection order. */
function removalDetails(applications: readonly BackupApplication[]) {
  return { applications: applications.map(({ applicationId, displayName }) => ({ applicationId, displayName })) };
}

/**
 * Deletes the selected applications of one organization inside the caller's transaction and returns
 * them, in selection order. When any is unknown or elsewhere it fails with `lockApplications`' coded
 * error, and when any has an unfinished certificate rotation on Entra with ROTATION_IN_PROGRESS; the
 * caller's transaction then rolls the deletion back. When the deletion found every one, the same
 * statement wrote the removal's audit entry (`removalDetails`, built by PostgreSQL from the deleted
 * rows) and `auditEntryId` is its id; otherwise the caller writes it.
 */
async function deleteApplications(
  manager: DataSource['manager'],
  organizationId: string,
  selection: readonly string[],
  actor: Actor,
): Promise<{ applications: BackupApplication[]; auditEntryId: string | null }> {
  if (!isUuid(organizationId)) throw new DomainError(ErrorCode.ORGANIZATION_NOT_FOUND, [organizationId]);
  const organization = normalizeUuid(organizationId);
  // Deleted straight away rather than locked first: the DELETE locks the rows itself, and a removal of
  // known applications — the usual case — costs one statement, its audit entry included (the list is
  // not sent back to the database as ~80 kB of JSON). The entry is written exactly when every selected
  // application was deleted; what the DELETE did not find is examined after. Applications of an
  // organization connected to Entra are examined after too (a connection lasts as long as its
  // organization): one may have a rotation under way, and this statement would not see rows its rotation
  // committed while the DELETE waited for the application's lock — ON DELETE CASCADE would take them,
  // leaving a key in Entra that nothing rolls back.
  const auditEntryId = randomUUID();
  const rows = selection.every(isUuid)
    ? ((await manager.query(
        `WITH removed AS (
           DELETE FROM backup_applications WHERE organization_id = $2 AND application_id = ANY($1::uuid[])
             AND NOT EXISTS (SELECT 1 FROM entra_connections WHERE organization_id = $2)
           RETURNING id, organization_id, application_id, display_name, added_at, certificate_id
         ), entry AS (
           INSERT INTO audit_log (id, ${AUDIT_ENTRY_COLUMNS}, details)
           SELECT $3, $4, $5, $6, $7, $8, $9, $10,
                  jsonb_build_object('applications', jsonb_agg(
                    jsonb_build_object('applicationId', removed.application_id, 'displayName', removed.display_name) ORDER BY selected.position))
           FROM unnest($1::uuid[]) WITH ORDINALITY AS selected (application_id, position) JOIN removed USING (application_id)
           HAVING count(*) = cardinality($1::uuid[])
         )
         SELECT id, organization_id AS "organizationId", application_id AS "applicationId", display_name AS "displayName",
                added_at AS "addedAt", certificate_id AS "certificateId"
         FROM removed`,
        [selection, organization, auditEntryId, ...auditEntryValues(actor, AuditAction.APPLICATIONS_REMOVED, organization)],
      )) as ApplicationRow[])
    : [];
  const deleted = new Map(
    rows.map(({ id, organizationId, applicationId, displayName, addedAt, certificateId }) => [
      applicationId,
      Object.assign(new BackupApplication(), { id, organizationId, applicationId, displayName, addedAt, certificateId }),
    ]),
  );
  if (deleted.size === selection.length) return { applications: selection.map((id) => deleted.get(id)!), auditEntryId };

  // Throws the coded error for what is missing; should the rest have appeared meanwhile, they go too. Entra-connected:
  // locks them all.
  const { applications: late, entraConnected } = await lockSelection(
    manager,
    organizationId,
    selection.filter((id) => !deleted.has(id)),
    actor,
  );
  // Once they are locked, a rotation that locked them first has committed its rows, which the next statement sees; one
  // that starts later waits for the locks and then finds the applications gone.
  if (entraConnected) await refuseUnfinishedRotations(manager, late);
  await manager.query(`DELETE FROM backup_applications WHERE id = ANY($1::uuid[])`, [late.map((application) => application.id)]);
  for (const application of late) deleted.set(application.applicationId, application);
  return { applications: selection.map((id) => deleted.get(id)!), auditEntryId: null };
}

/**
 * ROTATION_IN_PROGRESS for applications whose certificate rotation is not finished: its row tells the server which
 * key to withdraw or remove in Entra (now, after a failure, or at the next start-up), and goes with the application.
 */
async function refuseUnfinishedRotations(manager: DataSource['manager'], applications: readonly BackupApplication[]): Promise<void> {
  const rows: { id: string }[] = await manager.query(
    `SELECT DISTINCT backup_application_id AS id FROM key_rotations WHERE backup_application_id = ANY($1::uuid[]) AND state = ANY($2::text[])`,
    [applications.map((application) => application.id), unfinishedRotationStates],
  );
  const rotating = new Set(rows.map((row) => row.id));
  if (rotating.size === 0) return;
  throw new DomainError(
    ErrorCode.ROTATION_IN_PROGRESS,
    applications.filter((application) => rotating.has(application.id)).map((application) => application.applicationId),
    errorMessageIn('removeApplications', ErrorCode.ROTATION_IN_PROGRESS),
  );
}

/**
 * Loads and row-locks the selected applications of one organization, in selection order, inside
 * the caller's transaction. Fails with a coded error naming the ids that are unknown or elsewhere —
 * unknown, for an actor limited to some organizations, when elsewhere is outside its scope: such an
 * organization does not exist for it, nor do its applications.
 */
export async function lockApplications(
  manager: DataSource['manager'],
  organizationId: string,
  selection: readonly string[],
  actor: Actor,
): Promise<BackupApplication[]> {
  return (await lockSelection(manager, organizationId, selection, actor)).applications;
}

/** `lockApplications`, and whether their organization is connected to Entra, read by the same statement. */
export async function lockSelection(
  manager: DataSource['manager'],
  organizationId: string,
  selection: readonly string[],
  actor: Actor,
): Promise<{ applications: BackupApplication[]; entraConnected: boolean }> {
  if (!isUuid(organizationId)) throw new DomainError(ErrorCode.ORGANIZATION_NOT_FOUND, [organizationId]);
  const organization = normalizeUuid(organizationId);

  const wellFormed = selection.filter(isUuid);
  // One statement for the organization's facts and the row locks, with one array parameter rather than
  // one per id (a statement binds at most 65,535 parameters); plain rows, as building TypeORM entities
  // for thousands of rows costs more than the locks.
  const rows = wellFormed.length
    ? ((await manager.query(
        `SELECT id, organization_id AS "organizationId", application_id AS "applicationId", display_name AS "displayName",
                added_at AS "addedAt", certificate_id AS "certificateId",
                EXISTS (SELECT 1 FROM organizations WHERE id = $2) AS "organizationExists",
                EXISTS (SELECT 1 FROM entra_connections WHERE organization_id = $2) AS "entraConnected"
         FROM backup_applications WHERE application_id = ANY($1::uuid[]) FOR UPDATE OF backup_applications`,
        [wellFormed, organization],
      )) as (ApplicationRow & { organizationExists: boolean; entraConnected: boolean })[])
    : [];
  // Without a row the statement could not tell whether the organization exists.
  const organizationExists =
    rows.length > 0 ? rows[0]!.organizationExists : (await manager.query(`SELECT 1 FROM organizations WHERE id = $1`, [organization])).length > 0;
  if (!organizationExists) throw new DomainError(ErrorCode.ORGANIZATION_NOT_FOUND, [organizationId]);

  const found = rows.map(({ id, organizationId, applicationId, displayName, addedAt, certificateId }) =>
    Object.assign(new BackupApplication(), { id, organizationId, applicationId, displayName, addedAt, certificateId }),
  );
  const inOrganization = new Map(
    found.filter((application) => application.organizationId === organization).map((application) => [application.applicationId, application]),
  );
  const elsewhere = new Set(
    found
      .filter((application) => !inOrganization.has(application.applicationId) && canAccessOrganization(actor, application.organizationId))
      .map((application) => application.applicationId),
  );

  const unknown = selection.filter((id) => !inOrganization.has(id) && !elsewhere.has(id));
  if (unknown.length > 0) throw new DomainError(ErrorCode.APPLICATION_NOT_FOUND, unknown);
  if (elsewhere.size > 0) throw new DomainError(ErrorCode.APPLICATION_IN_OTHER_ORGANIZATION, [...elsewhere]);
  return { applications: selection.map((id) => inOrganization.get(id)!), entraConnected: rows.length > 0 && rows[0]!.entraConnected };
}

type ApplicationRow = Pick<BackupApplication, 'id' | 'organizationId' | 'applicationId' | 'displayName' | 'addedAt' | 'certificateId'>;
