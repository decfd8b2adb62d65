import type { DataSource, EntityManager } from 'typeorm';
import { BackupApplication } from '../applications/backup-application.entity.js';
import type { CertificateStoreService } from '../certificates/certificate-store.service.js';
import { type Certificate, CertificateSource } from '../certificates/certificate.entity.js';
import { generateSelfSignedCertificate } from '../key-custody/self-signed-certificate.js';
import type { Logger } from '../logging/logger.js';
import { Organization } from '../organizations/organization.entity.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Days relative to now: the demo shows every certificate state whenever it is loaded. */
export interface DemoValidity {
  validFromDays: number;
  validToDays: number;
}

export interface DemoApplication {
  displayName: string;
  applicationId: string;
  certificate?: DemoValidity;
}

/** Certificates in the store that no application uses yet, to pick in the Select Certificate wizard. */
export const spareCertificates: (DemoValidity & { commonName: string; keyExportable: boolean; keyBits: number })[] = [
  { commonName: 'Backup Certificate 2027', validFromDays: -1, validToDays: 365, keyExportable: true, keyBits: 2048 },
  { commonName: 'Backup Certificate 2028', validFromDays: -1, validToDays: 730, keyExportable: true, keyBits: 3072 },
  { commonName: 'Legacy Backup (non-exportable key)', validFromDays: -100, validToDays: 265, keyExportable: false, keyBits: 2048 },
  { commonName: 'Retired Backup Certificate', validFromDays: -500, validToDays: -135, keyExportable: true, keyBits: 2048 },
];

export interface DemoOrganization {
  name: string;
  tenantId: string;
  region: string;
  /** The tenant's *Backup Management* application in the emulator's demo seed. */
  managementApplicationId: string;
  applications: DemoApplication[];
}

export const demoOrganizations: DemoOrganization[] = [
  {
    name: 'contoso.onmicrosoft.com',
    tenantId: '6a1d8c5e-2f4b-4c1e-9d3a-0b7e5f2c8a41',
    region: 'Worldwide',
    managementApplicationId: '122b3ef5-f70b-4468-8dec-9be06116717d',
    applications: [
      {
        displayName: 'Contoso Backup 01',
        applicationId: '1f0c6b2a-7d3e-4a59-8b1c-2e4d6f8a0b13',
        certificate: { validFromDays: -30, validToDays: 335 },
      },
      {
        displayName: 'Contoso Backup 02',
        applicationId: '2a7e9c4d-1b3f-4e6a-9c8d-5f0b2d4e6a25',
        certificate: { validFromDays: -353, validToDays: 12 },
      },
      {
        displayName: 'Contoso Backup 03',
        applicationId: '3b8f0d5e-2c4a-4f7b-8d9e-6a1c3e5f7b37',
        certificate: { validFromDays: -385, validToDays: -20 },
      },
      { displayName: 'Contoso Backup 04', applicationId: '4c9a1e6f-3d5b-4a8c-9e0f-7b2d4f6a8c49' },
    ],
  },
  {
    name: 'fabrikam.onmicrosoft.com',
    tenantId: '7b2e9d6f-3a5c-4d2f-8e4b-1c8f6a3d9b52',
    region: 'Europe',
    managementApplicationId: '36916768-2a17-425f-9603-79a342113b61',
    applications: [
      {
        displayName: 'Fabrikam Exchange Backup',
        applicationId: '5d0b2f7a-4e6c-4b9d-8f1a-8c3e5a7b9d5b',
        certificate: { validFromDays: -10, validToDays: 720 },
      },
      {
        displayName: 'Fabrikam SharePoint Backup',
        applicationId: '6e1c3a8b-5f7d-4c0e-9a2b-9d4f6b8c0e6d',
        certificate: { validFromDays: -340, validToDays: 25 },
      },
      { displayName: 'Fabrikam Teams Backup', applicationId: '7f2d4b9c-6a8e-4d1f-8b3c-0e5a7c9d1f7f' },
    ],
  },
  {
    name: 'northwindtraders.onmicrosoft.com',
    tenantId: '8c3f0e7a-4b6d-4e3a-9f5c-2d9a7b4e0c63',
    region: 'Asia Pacific',
    managementApplicationId: 'b41507a6-77c3-4ab8-9a02-7a14fcfe059d',
    applications: [
      {
        displayName: 'Northwind Backup',
        applicationId: '8a3e5c0d-7b9f-4e2a-9c4d-1f6b8d0e2a81',
        certificate: { validFromDays: -400, validToDays: -35 },
      },
      { displayName: 'Northwind Archive', applicationId: '9b4f6d1e-8c0a-4f3b-8d5e-2a7c9e1f3b93' },
    ],
  },
];

/**
 * Loads a few demo organizations — applications with valid, expiring and expired certificates, and
 * some without — and spare certificates in the store, so a newcomer sees something real at once.
 * Does nothing on a database that has organizations. Returns whether it loaded anything.
 */
export async function loadDemoDataIfEmpty(dataSource: DataSource, store: CertificateStoreService, logger: Logger): Promise<boolean> {
  const loaded = await dataSource.transaction(async (manager) => {
    // Instances starting together on one database: the second waits, then finds the organizations.
    await manager.query(`LOCK TABLE organizations IN SHARE ROW EXCLUSIVE MODE`);
    if ((await manager.count(Organization)) > 0) return false;
    for (const demo of demoOrganizations) await loadOrganization(manager, store, demo);
    for (const spare of spareCertificates) await demoCertificate(manager, store, spare.commonName, 'Demo', spare, spare);
    return true;
  });
  if (loaded) logger.info({ organizations: demoOrganizations.map((demo) => demo.name) }, 'demo data loaded');
  else logger.info('demo data not loaded: the database already has organizations');
  return loaded;
}

/** On an empty database, tells the operator how to get the demo organizations. */
export async function suggestDemoDataWhenEmpty(dataSource: DataSource, logger: Logger): Promise<void> {
  if ((await dataSource.getRepository(Organization).count()) > 0) return;
  logger.info('the database has no organizations yet: start with DEMO_DATA=true (or run `pnpm load-demo-data`) to load demo data');
}

async function loadOrganization(manager: EntityManager, store: CertificateStoreService, demo: DemoOrganization): Promise<void> {
  const organization = await manager.save(manager.create(Organization, { name: demo.name, tenantId: demo.tenantId, region: demo.region }));
  for (const application of demo.applications) {
    const certificate = application.certificate
      ? await demoCertificate(manager, store, application.displayName, demo.name, application.certificate)
      : null;
    await manager.save(
      manager.create(BackupApplication, {
        organizationId: organization.id,
        applicationId: application.applicationId,
        displayName: application.displayName,
        certificateId: certificate?.id ?? null,
      }),
    );
  }
}

export async function demoCertificate(
  manager: EntityManager,
  store: CertificateStoreService,
  commonName: string,
  organization: string,
  validity: DemoValidity,
  key: { keyExportable: boolean; keyBits: number } = { keyExportable: true, keyBits: 2048 },
): Promise<Certificate> {
  const now = Date.now();
  const generated = await generateSelfSignedCertificate({
    commonName,
    organization,
    notBefore: new Date(now + validity.validFromDays * DAY_MS),
    notAfter: new Date(now + validity.validToDays * DAY_MS),
    keyBits: key.keyBits,
  });
  try {
    const { certificate } = await store.save(
      manager,
      { certificate: generated.certificate, chain: [], privateKey: generated.privateKeyDer },
      { keyExportable: key.keyExportable, source: CertificateSource.DEMO, whenPresent: 'refuse' },
    );
    return certificate;
  } finally {
    generated.privateKeyDer.fill(0);
  }
}
