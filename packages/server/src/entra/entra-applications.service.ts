import { ErrorCode } from '@bam/shared';
import { type DataSource, In } from 'typeorm';
import { BackupApplication } from '../applications/backup-application.entity.js';
import { checkApplicationSelection } from '../applications/backup-application.service.js';
import { AuditAction } from '../audit/audit-entry.entity.js';
import type { AuditService } from '../audit/audit.service.js';
import { type Actor, assertOrganizationAccess } from '../common/actor.js';
import { decodeCursor, encodeCursor, type PageRequest, pageSize } from '../common/cursor-pagination.js';
import { DomainError } from '../common/domain-error.js';
import { isUuid, normalizeUuid } from '../common/uuid.js';
import { Certificate } from '../certificates/certificate.entity.js';
import { applicationsAdded } from '../events/certificate-events.js';
import type { EventOutboxService } from '../events/event-outbox.service.js';
import { logApplicationsChange } from '../logging/application-ids-log.js';
import type { Logger } from '../logging/logger.js';
import { ApplicationEntraCheck, EntraKeyStatus } from './application-entra-check.entity.js';
import type { EntraApplication, EntraDirectory, ManagementSignIn } from './entra-directory.js';
import type { EntraConnectionsService } from './entra-connections.service.js';
import { entraDomainError } from './entra-errors.js';
import { managementApplicationsAmong, refuseManagementApplications } from './management-applications.js';

/** A page of Entra applications that are not backup applications yet. */
export interface AvailableApplicationsPage {
  applications: EntraApplication[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** A tenant's Entra applications: which can join the backup configuration, adding them, and drift checks. */
export class EntraApplicationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly connections: EntraConnectionsService,
    private readonly directory: EntraDirectory,
    private readonly logger: Logger,
    private readonly events: EventOutboxService,
    private readonly audit: AuditService,
  ) {}

  /**
   * One Graph page of the tenant's applications (optionally whose name starts with `nameStartsWith`),
   * without those already in the backup configuration nor a management application (which can never be one) —
   * so a page may hold fewer than `first`.
   */
  async available(
    organizationId: string,
    options: PageRequest & { nameStartsWith?: string | null },
    actor: Actor,
  ): Promise<AvailableApplicationsPage> {
    assertOrganizationAccess(actor, organizationId);
    const size = pageSize(options.first);
    const pageToken = options.after ? decodeCursor(options.after, 1)[0]! : null;
    const signIn = await this.signIn(organizationId);
    let page;
    try {
      page = await this.directory.listApplications(signIn, { nameStartsWith: options.nameStartsWith, pageSize: size, pageToken });
    } catch (error) {
      if (error instanceof Error && 'entraCode' in error && error.entraCode === 'InvalidNextLink') throw new DomainError(ErrorCode.INVALID_CURSOR);
      throw entraDomainError(error, [organizationId]);
    }
    const known = await this.knownApplicationIds(organizationId, page.applications);
    return {
      applications: page.applications.filter((application) => !known.has(application.appId.toLowerCase())),
      pageInfo: { hasNextPage: page.nextPageToken !== null, endCursor: page.nextPageToken ? encodeCursor([page.nextPageToken]) : null },
    };
  }

  /** Adds Entra applications to the backup configuration, each checked to exist in the tenant: all or none. */
  async add(organizationId: string, applicationIds: readonly string[], actor: Actor): Promise<BackupApplication[]> {
    assertOrganizationAccess(actor, organizationId);
    const selection = checkApplicationSelection(applicationIds);
    const malformed = selection.filter((id) => !isUuid(id));
    if (malformed.length > 0) throw new DomainError(ErrorCode.ENTRA_APPLICATION_NOT_FOUND, malformed);
    const signIn = await this.signIn(organizationId);
    // Refused before Entra is asked anything, and again under the organization's lock below.
    await refuseManagementApplications(this.dataSource.manager, selection);
    const found = await this.lookUp(signIn, selection, organizationId);
    const missing = selection.filter((id) => !found.get(id));
    if (missing.length > 0) throw new DomainError(ErrorCode.ENTRA_APPLICATION_NOT_FOUND, missing);

    const added = await this.dataSource.transaction(async (manager) => {
      // Locked as updateOrganizationConnection locks it: its management application cannot change meanwhile.
      await manager.query(`SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE`, [organizationId]);
      await refuseManagementApplications(manager, selection);
      const existing = await manager.find(BackupApplication, { where: { organizationId, applicationId: In(selection) } });
      if (existing.length > 0) {
        throw new DomainError(
          ErrorCode.APPLICATION_EXISTS,
          existing.map((application) => application.applicationId),
        );
      }
      const rows = selection.map((applicationId) =>
        manager.create(BackupApplication, { organizationId, applicationId, displayName: found.get(applicationId)!.displayName, certificateId: null }),
      );
      const saved = await manager.save(rows);
      await this.events.record(manager, applicationsAdded(saved, actor));
      await this.audit.record(manager, actor, {
        action: AuditAction.APPLICATIONS_ADDED,
        organizationId,
        details: { applications: saved.map(({ applicationId, displayName }) => ({ applicationId, displayName })) },
      });
      return saved;
    });
    logApplicationsChange(this.logger, { actor: actor.id, organizationId }, selection, 'applications added from Entra');
    return added;
  }

  /**
   * Checks, for each backup application of the organization (or those named), whether its Entra
   * application holds its current certificate, and records the result. Only an omitted list (null)
   * means every application: an empty one is refused as by the other mutations, before Entra is called.
   */
  async verify(organizationId: string, applicationIds: readonly string[] | null | undefined, actor: Actor): Promise<BackupApplication[]> {
    assertOrganizationAccess(actor, organizationId);
    const selection = applicationIds == null ? null : checkApplicationSelection(applicationIds);
    const signIn = await this.signIn(organizationId);
    const applications = await this.dataSource.getRepository(BackupApplication).find({
      where: { organizationId, ...(selection ? { applicationId: In(selection.filter(isUuid)) } : {}) },
      order: { displayName: 'ASC' },
    });
    if (selection && applications.length !== selection.length) {
      const present = new Set(applications.map((application) => application.applicationId));
      throw new DomainError(
        ErrorCode.APPLICATION_NOT_FOUND,
        selection.filter((id) => !present.has(id)),
      );
    }
    const certificateIds = applications.map((application) => application.certificateId).filter((id): id is string => id !== null);
    const certificates = new Map(
      (certificateIds.length ? await this.dataSource.getRepository(Certificate).findBy({ id: In(certificateIds) }) : []).map((row) => [row.id, row]),
    );
    const found = await this.lookUp(
      signIn,
      applications.map((application) => application.applicationId),
      organizationId,
    );
    const verifiedAt = new Date();
    const checks = applications.map((application) => {
      const thumbprint = application.certificateId ? (certificates.get(application.certificateId)?.thumbprint ?? null) : null;
      const entra = found.get(application.applicationId);
      const status = !entra
        ? EntraKeyStatus.APPLICATION_MISSING
        : !thumbprint
          ? EntraKeyStatus.NOT_CONFIGURED
          : entra.keys.some((key) => key.thumbprint === thumbprint)
            ? EntraKeyStatus.REGISTERED
            : EntraKeyStatus.MISSING;
      return { backupApplicationId: application.id, status, thumbprint, verifiedAt };
    });
    if (checks.length > 0) {
      await this.dataSource.transaction(async (manager) => {
        await manager.getRepository(ApplicationEntraCheck).upsert(checks, ['backupApplicationId']);
        await this.audit.record(manager, actor, {
          action: AuditAction.APPLICATIONS_VERIFIED,
          organizationId,
          details: {
            applications: applications.map((application, index) => ({ applicationId: application.applicationId, status: checks[index]!.status })),
          },
        });
      });
    }
    this.logger.info(
      { actor: actor.id, organizationId, drifted: checks.filter((check) => check.status !== EntraKeyStatus.REGISTERED).length },
      'applications verified against Entra',
    );
    return applications;
  }

  private async signIn(organizationId: string): Promise<ManagementSignIn> {
    if (!isUuid(organizationId)) throw new DomainError(ErrorCode.ORGANIZATION_NOT_FOUND, [organizationId]);
    return this.connections.signIn(normalizeUuid(organizationId));
  }

  /** Each application by appId from Entra, a few at a time (null: the tenant has none). */
  private async lookUp(signIn: ManagementSignIn, appIds: readonly string[], organizationId: string): Promise<Map<string, EntraApplication | null>> {
    const found = new Map<string, EntraApplication | null>();
    const queue = [...appIds];
    const worker = async () => {
      for (let appId = queue.shift(); appId !== undefined; appId = queue.shift()) {
        try {
          found.set(appId, await this.directory.getApplication(signIn, appId));
        } catch (error) {
          throw entraDomainError(error, [organizationId]);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, queue.length) }, worker));
    return found;
  }

  /** Those of the applications that cannot be added: backup applications of the organization, and management applications. */
  private async knownApplicationIds(organizationId: string, applications: EntraApplication[]): Promise<Set<string>> {
    const ids = applications.map((application) => application.appId.toLowerCase()).filter(isUuid);
    if (ids.length === 0) return new Set();
    const rows = await this.dataSource
      .getRepository(BackupApplication)
      .find({ where: { organizationId, applicationId: In(ids) }, select: { applicationId: true } });
    const management = await managementApplicationsAmong(this.dataSource.manager, ids);
    return new Set([...rows.map((row) => row.applicationId), ...management]);
  }
}
