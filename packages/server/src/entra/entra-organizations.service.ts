import { ErrorCode, errorMessageIn } from '@bam/shared';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditAction } from '../audit/audit-entry.entity.js';
import type { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../common/actor.js';
import { DomainError } from '../common/domain-error.js';
import { isUuid, normalizeUuid } from '../common/uuid.js';
import type { EntraCloudName } from '../config/config.js';
import type { PrivateKeyVault } from '../key-custody/private-key-vault.js';
import { openSigningCertificate } from '../key-custody/signing-certificate.js';
import { organizationAdded, organizationConnectionUpdated, organizationRemoved } from '../events/certificate-events.js';
import type { EventOutboxService } from '../events/event-outbox.service.js';
import type { Logger } from '../logging/logger.js';
import { Organization } from '../organizations/organization.entity.js';
import { type EntraDirectory, EntraError } from './entra-directory.js';
import { EntraConnection } from './entra-connection.entity.js';
import { entraDomainError } from './entra-errors.js';
import { refuseBackupApplicationAsManagement } from './management-applications.js';

export interface UpdateConnectionRequest {
  organizationId: string;
  /** A store certificate, with its private key, registered on the management application. */
  managementCertificateId: string;
  /** Another management application; null keeps the current one. */
  managementApplicationId?: string | null;
}

export interface AddOrganizationRequest {
  /** Primary domain (`contoso.onmicrosoft.com`) or tenant id. */
  tenant: string;
  cloud: EntraCloudName;
  managementApplicationId: string;
  /** A certificate of the store, with its private key, registered on the management application. */
  managementCertificateId: string;
}

/**
 * Transaction-level advisory lock every add holds from its duplicate check to its commit: two adds of
 * the same tenant at once cannot both find it absent (the second then sees the first one's organization).
 */
const ADD_ORGANIZATION_LOCK_KEY = '2486829438844815722';

/** The unique keys of an organization: its tenant, and its name ignoring case. */
const organizationKeys = ['organizations_tenant_id_key', 'organizations_name_lower_key'];

const regionOf: Record<EntraCloudName, string> = { WORLDWIDE: 'Worldwide', US_GOVERNMENT: 'US Government', CHINA: 'China' };
const domainName = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** The organization with its Entra connection: ORGANIZATION_NOT_FOUND or ORGANIZATION_NOT_CONNECTED otherwise. */
async function connectedOrganization(
  manager: EntityManager,
  organizationId: string,
): Promise<{ organization: Organization; connection: EntraConnection }> {
  const organization = isUuid(organizationId) ? await manager.findOneBy(Organization, { id: normalizeUuid(organizationId) }) : null;
  if (!organization) throw new DomainError(ErrorCode.ORGANIZATION_NOT_FOUND, [organizationId]);
  const connection = await manager.findOneBy(EntraConnection, { organizationId: organization.id });
  if (!connection) throw new DomainError(ErrorCode.ORGANIZATION_NOT_CONNECTED, [organization.id]);
  return { organization, connection };
}

/**
 * ROTATION_IN_PROGRESS while a certificate rotation in the organization is under way: it signed in with the management
 * certificate it started with and registers, proves and switches under it. Rotations being rolled back or removing their
 * old key do not hold the change up: their retries sign in with the connection as it is then.
 */
async function refuseRotationUnderWay(manager: EntityManager, organizationId: string): Promise<void> {
  const underWay: unknown[] = await manager.query(
    `SELECT 1 FROM key_rotations WHERE organization_id = $1 AND state IN ('STARTED', 'REGISTERED', 'PROVEN') AND failure IS NULL LIMIT 1`,
    [organizationId],
  );
  if (underWay.length > 0) {
    throw new DomainError(
      ErrorCode.ROTATION_IN_PROGRESS,
      [organizationId],
      errorMessageIn('updateOrganizationConnection', ErrorCode.ROTATION_IN_PROGRESS),
    );
  }
}

/** Onboards organizations as real tenants (sign-in and access checked through Graph first) and removes them. */
export class EntraOrganizationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly vault: PrivateKeyVault,
    private readonly directory: EntraDirectory,
    private readonly logger: Logger,
    private readonly events: EventOutboxService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Signs in as the management application and checks through Graph that it can read the tenant and
   * manage applications; only then saves the organization with its connection. Nothing is saved on failure.
   * A tenant already known by the id or primary domain given is refused before Entra is asked anything.
   */
  async add(request: AddOrganizationRequest, actor: Actor): Promise<Organization> {
    const tenant = request.tenant.trim();
    if (!isUuid(tenant) && !domainName.test(tenant)) throw new DomainError(ErrorCode.ENTRA_TENANT_NOT_FOUND, [request.tenant]);
    if (!isUuid(request.managementApplicationId)) throw new DomainError(ErrorCode.ENTRA_APPLICATION_NOT_FOUND, [request.managementApplicationId]);
    const appId = normalizeUuid(request.managementApplicationId);
    const known = await findOrganization(
      this.dataSource.manager,
      isUuid(tenant) ? { tenantId: normalizeUuid(tenant), name: null } : { tenantId: null, name: tenant },
    );
    if (known) throw new DomainError(ErrorCode.ORGANIZATION_EXISTS, [known.id]);
    const certificate = await openSigningCertificate(this.dataSource.manager, this.vault, request.managementCertificateId);

    let found;
    try {
      found = await this.directory.checkAccess({ cloud: request.cloud, tenant, appId, certificate });
    } catch (error) {
      throw entraDomainError(error, [error instanceof EntraError && error.failure === 'TENANT_NOT_FOUND' ? tenant : appId]);
    }

    const organization = await this.saveOrganization(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1::bigint)', [ADD_ORGANIZATION_LOCK_KEY]);
      // Checked again by what Entra answered: the tenant may have been given by another of its domains.
      const existing = await findOrganization(manager, { tenantId: found.id, name: found.defaultDomain });
      if (existing) throw new DomainError(ErrorCode.ORGANIZATION_EXISTS, [existing.id]);
      const saved = await manager
        .getRepository(Organization)
        .save({ name: found.defaultDomain, tenantId: found.id, region: regionOf[request.cloud] });
      await manager.getRepository(EntraConnection).insert({
        organizationId: saved.id,
        cloud: request.cloud,
        managementAppId: appId,
        managementCertificateId: request.managementCertificateId,
      });
      await this.events.record(manager, organizationAdded(saved, actor));
      await this.audit.record(manager, actor, {
        action: AuditAction.ORGANIZATION_ADDED,
        organizationId: saved.id,
        details: {
          name: saved.name,
          tenantId: saved.tenantId,
          cloud: request.cloud,
          managementApplicationId: appId,
          managementCertificateId: request.managementCertificateId,
          managementCertificateThumbprint: certificate.thumbprint,
        },
      });
      return saved;
    }, found);
    this.logger.info({ actor: actor.id, organizationId: organization.id, tenantId: found.id, cloud: request.cloud }, 'organization added');
    return organization;
  }

  /**
   * Runs `add`'s transaction. The advisory lock orders adds, but not a row written by another path (SQL, an
   * import) that committed after the check: its tenant or name (ignoring case) then violates a unique key, which
   * is the same ORGANIZATION_EXISTS as the check's.
   */
  private async saveOrganization(
    work: (manager: EntityManager) => Promise<Organization>,
    found: { id: string; defaultDomain: string },
  ): Promise<Organization> {
    try {
      return await this.dataSource.transaction(work);
    } catch (error) {
      const violation = (error as { driverError?: { code?: string; constraint?: string } }).driverError;
      if (violation?.code !== '23505' || !organizationKeys.includes(violation.constraint ?? '')) throw error;
      const existing = await findOrganization(this.dataSource.manager, { tenantId: found.id, name: found.defaultDomain });
      throw new DomainError(ErrorCode.ORGANIZATION_EXISTS, existing ? [existing.id] : []);
    }
  }

  /**
   * Replaces the certificate (and optionally the application) the server signs in to the organization's
   * tenant with: signs in with the new one and checks access as `add` does, then switches the connection
   * with its audit entry and event in one transaction. Nothing changes on failure; the old certificate
   * may then leave the store. Refused while a certificate rotation in the organization is under way.
   */
  async updateConnection(request: UpdateConnectionRequest, actor: Actor): Promise<Organization> {
    const { organization, connection } = await connectedOrganization(this.dataSource.manager, request.organizationId);
    await refuseRotationUnderWay(this.dataSource.manager, organization.id);
    const newAppId = request.managementApplicationId ?? connection.managementAppId;
    if (!isUuid(newAppId)) throw new DomainError(ErrorCode.ENTRA_APPLICATION_NOT_FOUND, [newAppId]);
    const appId = normalizeUuid(newAppId);
    // Another application to sign in with: not one a certificate update would take the key from. (One that is both
    // already — a row from before addApplications refused it — keeps its certificate rotation: updateCertificate refuses it.)
    if (appId !== connection.managementAppId) await refuseBackupApplicationAsManagement(this.dataSource.manager, appId);
    const certificateId = isUuid(request.managementCertificateId) ? normalizeUuid(request.managementCertificateId) : request.managementCertificateId;
    const certificate = await openSigningCertificate(this.dataSource.manager, this.vault, certificateId);
    try {
      await this.directory.checkAccess({ cloud: connection.cloud, tenant: organization.tenantId, appId, certificate });
    } catch (error) {
      throw entraDomainError(error, [error instanceof EntraError && error.failure === 'TENANT_NOT_FOUND' ? organization.tenantId : appId]);
    }

    const replaced = await this.dataSource.transaction(async (manager) => {
      // The organization locked against a rotation starting (its rows key-share lock it) and removeOrganization; the new
      // certificate key-share locked against removeStoreCertificate; until the switch commits.
      await manager.query(`SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE`, [organization.id]);
      await refuseRotationUnderWay(manager, organization.id);
      const current: { managementAppId: string; managementCertificateId: string; thumbprint: string }[] = await manager.query(
        `SELECT connection.management_app_id AS "managementAppId", connection.management_certificate_id AS "managementCertificateId",
                certificate.thumbprint_sha1 AS thumbprint
           FROM entra_connections connection JOIN certificates certificate ON certificate.id = connection.management_certificate_id
          WHERE connection.organization_id = $1 FOR UPDATE OF connection`,
        [organization.id],
      );
      if (!current[0]) throw new DomainError(ErrorCode.ORGANIZATION_NOT_FOUND, [organization.id]);
      // Checked again under the organization's lock, which addApplications takes too.
      if (appId !== current[0].managementAppId) await refuseBackupApplicationAsManagement(manager, appId);
      const stored: unknown[] = await manager.query(`SELECT 1 FROM certificates WHERE id = $1 FOR KEY SHARE`, [certificateId]);
      if (stored.length === 0) throw new DomainError(ErrorCode.STORE_CERTIFICATE_NOT_FOUND, [certificateId]);

      const from = {
        managementApplicationId: current[0].managementAppId,
        managementCertificateId: current[0].managementCertificateId,
        managementCertificateThumbprint: current[0].thumbprint,
      };
      const to = { managementApplicationId: appId, managementCertificateId: certificateId, managementCertificateThumbprint: certificate.thumbprint };
      // The same application and certificate again: checked in Entra, nothing to switch or record.
      if (from.managementApplicationId === to.managementApplicationId && from.managementCertificateId === to.managementCertificateId) return null;
      await manager
        .getRepository(EntraConnection)
        .update({ organizationId: organization.id }, { managementAppId: appId, managementCertificateId: certificateId });
      await this.audit.record(manager, actor, {
        action: AuditAction.ORGANIZATION_CONNECTION_UPDATED,
        organizationId: organization.id,
        details: { name: organization.name, tenantId: organization.tenantId, from, to },
      });
      await this.events.record(manager, organizationConnectionUpdated(organization, { from, to }, actor));
      return from;
    });
    if (replaced) {
      const { managementApplicationId, managementCertificateThumbprint } = replaced;
      this.directory.forgetSignIn({
        cloud: connection.cloud,
        tenant: organization.tenantId,
        appId: managementApplicationId,
        certificate: { thumbprint: managementCertificateThumbprint },
      });
    }
    this.logger.info(
      { actor: actor.id, organizationId: organization.id, managementApplicationId: appId, thumbprint: certificate.thumbprint },
      'organization connection updated',
    );
    return organization;
  }

  /**
   * Removes the organization with its applications, connection and history, and takes it out of the
   * organization limits of accounts and API tokens, in one transaction: all or nothing.
   */
  async remove(organizationId: string, actor: Actor): Promise<Organization> {
    const removed = await this.dataSource.transaction(async (manager) => {
      const organization = isUuid(organizationId)
        ? await manager.findOne(Organization, { where: { id: normalizeUuid(organizationId) }, lock: { mode: 'pessimistic_write' } })
        : null;
      if (!organization) throw new DomainError(ErrorCode.ORGANIZATION_NOT_FOUND, [organizationId]);
      const active: unknown[] = await manager.query(
        `SELECT 1 FROM key_rotations WHERE organization_id = $1 AND state IN ('STARTED', 'REGISTERED', 'PROVEN', 'SWITCHED') LIMIT 1`,
        [organization.id],
      );
      if (active.length > 0) throw new DomainError(ErrorCode.ROTATION_IN_PROGRESS, [organization.id]);
      const applications: { applicationId: string; displayName: string }[] = await manager.query(
        `SELECT application_id AS "applicationId", display_name AS "displayName" FROM backup_applications WHERE organization_id = $1 ORDER BY display_name`,
        [organization.id],
      );
      // Accounts and tokens limited to it lose it from their limit; one limited to it alone keeps an empty
      // limit, which allows no organization. Webhook endpoints keep theirs: an empty list there means every one.
      const limitedAccounts: { userId: string; username: string }[] = await manager.query(
        `WITH narrowed AS (UPDATE users SET organization_ids = array_remove(organization_ids, $1::uuid) WHERE $1::uuid = ANY (organization_ids)
           RETURNING id, username)
         SELECT id AS "userId", username FROM narrowed ORDER BY username`,
        [organization.id],
      );
      const limitedApiTokens: { tokenId: string; name: string }[] = await manager.query(
        `WITH narrowed AS (UPDATE api_tokens SET organization_ids = array_remove(organization_ids, $1::uuid) WHERE $1::uuid = ANY (organization_ids)
           RETURNING id, name)
         SELECT id AS "tokenId", name FROM narrowed ORDER BY name, id`,
        [organization.id],
      );
      await this.audit.record(manager, actor, {
        action: AuditAction.ORGANIZATION_REMOVED,
        organizationId: organization.id,
        details: { name: organization.name, tenantId: organization.tenantId, applications, limitedAccounts, limitedApiTokens },
      });
      // Applications, connection, checks and rotations go with it (ON DELETE CASCADE).
      await manager.delete(Organization, { id: organization.id });
      await this.events.record(manager, organizationRemoved(organization, actor));
      return organization;
    });
    this.logger.info({ actor: actor.id, organizationId: removed.id }, 'organization removed');
    return removed;
  }
}

/** The organization known by this tenant id or this primary domain (case-insensitively), if any. */
function findOrganization(manager: EntityManager, by: { tenantId: string | null; name: string | null }): Promise<Organization | null> {
  return manager
    .getRepository(Organization)
    .createQueryBuilder('organization')
    .where('organization.tenantId = :tenantId OR lower(organization.name) = lower(:name)', by)
    .getOne();
}
