import type { DataSource } from 'typeorm';
import { BackupApplication } from '../applications/backup-application.entity.js';
import type { CertificateStoreService } from '../certificates/certificate-store.service.js';
import { Certificate } from '../certificates/certificate.entity.js';
import { systemActor } from '../common/actor.js';
import { EntraConnection } from '../entra/entra-connection.entity.js';
import type { EntraApplicationService } from '../entra/entra-applications.service.js';
import type { EntraOrganizationService } from '../entra/entra-organizations.service.js';
import type { Logger } from '../logging/logger.js';
import { Organization } from '../organizations/organization.entity.js';
import { type DemoOrganization, demoCertificate, demoOrganizations, spareCertificates } from './demo-data.js';

/**
 * What the demo needs from the Entra emulator's admin API: registering a certificate on an application,
 * as an administrator does in the portal.
 */
export interface DemoTenantAdmin {
  registerKeyCredential(tenant: string, appId: string, input: { key: string }): unknown;
}

export interface DemoTenantServices {
  certificateStore: CertificateStoreService;
  entraOrganizations: EntraOrganizationService;
  entraApplications: EntraApplicationService;
}

/**
 * Connects the demo organizations to the emulator's demo tenants the way an administrator onboards a
 * real tenant — a management certificate registered on the management application, then
 * addOrganization and addApplications — so updates really rotate keys in the emulator.
 * Does nothing on a database that has organizations. Returns whether it loaded anything.
 */
export async function connectDemoTenantsIfEmpty(
  dataSource: DataSource,
  services: DemoTenantServices,
  admin: DemoTenantAdmin,
  logger: Logger,
): Promise<boolean> {
  if ((await dataSource.getRepository(Organization).count()) > 0) {
    logger.info('demo data not loaded: the database already has organizations');
    return false;
  }
  for (const demo of demoOrganizations) await connectDemoTenant(dataSource, services, admin, demo);
  await dataSource.transaction(async (manager) => {
    for (const spare of spareCertificates) await demoCertificate(manager, services.certificateStore, spare.commonName, 'Demo', spare, spare);
  });
  logger.info({ organizations: demoOrganizations.map((demo) => demo.name) }, 'demo tenants connected to the Entra emulator');
  return true;
}

async function connectDemoTenant(
  dataSource: DataSource,
  services: DemoTenantServices,
  admin: DemoTenantAdmin,
  demo: DemoOrganization,
): Promise<void> {
  const managementCertificate = await dataSource.transaction((manager) =>
    demoCertificate(manager, services.certificateStore, `${demo.name} Backup Management`, demo.name, { validFromDays: -1, validToDays: 365 }),
  );
  admin.registerKeyCredential(demo.tenantId, demo.managementApplicationId, { key: managementCertificate.der.toString('base64') });
  const organization = await services.entraOrganizations.add(
    {
      tenant: demo.name,
      cloud: 'WORLDWIDE',
      managementApplicationId: demo.managementApplicationId,
      managementCertificateId: managementCertificate.id,
    },
    systemActor,
  );
  await services.entraApplications.add(
    organization.id,
    demo.applications.map((application) => application.applicationId),
    systemActor,
  );
  // Expired and expiring certificates cannot arrive through an update (its checks refuse them), so the
  // demo gives the applications their first certificates directly, registered in Entra as the portal would.
  for (const application of demo.applications) {
    if (!application.certificate) continue;
    const validity = application.certificate;
    const certificate = await dataSource.transaction(async (manager) => {
      const created = await demoCertificate(manager, services.certificateStore, application.displayName, demo.name, validity);
      await manager.update(
        BackupApplication,
        { organizationId: organization.id, applicationId: application.applicationId },
        { certificateId: created.id },
      );
      return created;
    });
    admin.registerKeyCredential(demo.tenantId, application.applicationId, { key: certificate.der.toString('base64') });
  }
}

/**
 * The emulator keeps its directory in memory: after a restart it registers again the certificates the
 * database says Entra holds — each connected organization's management certificate and its applications'.
 */
export async function registerStoredKeysInEmulator(dataSource: DataSource, admin: DemoTenantAdmin, logger: Logger): Promise<void> {
  const rows: { tenantId: string; appId: string; der: Buffer }[] = await dataSource.query(
    `SELECT o.tenant_id AS "tenantId", c.management_app_id AS "appId", cert.der
       FROM ${dataSource.getMetadata(EntraConnection).tableName} c
       JOIN ${dataSource.getMetadata(Organization).tableName} o ON o.id = c.organization_id
       JOIN ${dataSource.getMetadata(Certificate).tableName} cert ON cert.id = c.management_certificate_id
     UNION ALL
     SELECT o.tenant_id, a.application_id, cert.der
       FROM ${dataSource.getMetadata(BackupApplication).tableName} a
       JOIN ${dataSource.getMetadata(EntraConnection).tableName} c ON c.organization_id = a.organization_id
       JOIN ${dataSource.getMetadata(Organization).tableName} o ON o.id = a.organization_id
       JOIN ${dataSource.getMetadata(Certificate).tableName} cert ON cert.id = a.certificate_id`,
  );
  let registered = 0;
  for (const row of rows) {
    try {
      admin.registerKeyCredential(row.tenantId, row.appId, { key: row.der.toString('base64') });
      registered += 1;
    } catch (error) {
      // An application removed from the emulator's seed since: its organization shows the drift on Verify.
      logger.warn({ err: error, tenantId: row.tenantId, appId: row.appId }, 'demo key not registered in the Entra emulator');
    }
  }
  logger.info({ registered }, 'certificates the database holds registered again in the Entra emulator');
}
