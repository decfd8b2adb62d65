import { randomUUID, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import type { DataSource } from 'typeorm';
import { BackupApplication } from '../../src/applications/backup-application.entity.js';
import { Certificate } from '../../src/certificates/certificate.entity.js';
import { readCertificateMetadata } from '../../src/key-custody/certificate-metadata.js';
import { Organization } from '../../src/organizations/organization.entity.js';

const DAY_MS = 24 * 60 * 60 * 1000;

// One key for every seeded certificate: signing is cheap, generating RSA keys is not.
const seedKey = forge.pki.rsa.generateKeyPair({ bits: 2048 });

/** A real X.509 certificate (distinct serial, so a distinct thumbprint), valid for the given days around now. */
export function seedCertificateDer(commonName: string, validFromDays: number, validToDays: number): Buffer {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = seedKey.publicKey;
  certificate.serialNumber = `01${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;
  certificate.validity.notBefore = new Date(Date.now() + validFromDays * DAY_MS);
  certificate.validity.notAfter = new Date(Date.now() + validToDays * DAY_MS);
  certificate.setSubject([
    { shortName: 'O', value: 'Seed Test' },
    { shortName: 'CN', value: commonName },
  ]);
  certificate.setIssuer([{ shortName: 'CN', value: 'Seed Test CA' }]);
  certificate.sign(seedKey.privateKey, forge.md.sha256.create());
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(certificate)).getBytes(), 'binary');
}

export interface SeedApplication {
  displayName: string;
  applicationId?: string;
  /** Validity in days relative to now; omitted: Not configured. */
  certificate?: { validFromDays: number; validToDays: number };
}

export interface SeededOrganization {
  organization: Organization;
  applications: BackupApplication[];
}

export async function seedOrganization(
  dataSource: DataSource,
  name: string,
  applications: SeedApplication[],
  region = 'Worldwide',
): Promise<SeededOrganization> {
  const organization = await dataSource.getRepository(Organization).save({ name, tenantId: randomUUID(), region });
  const saved: BackupApplication[] = [];
  for (const application of applications) {
    let certificateId: string | null = null;
    if (application.certificate) {
      const der = seedCertificateDer(application.displayName, application.certificate.validFromDays, application.certificate.validToDays);
      const certificate = await dataSource.getRepository(Certificate).save({ ...readCertificateMetadata(new X509Certificate(der)), der });
      certificateId = certificate.id;
    }
    saved.push(
      await dataSource.getRepository(BackupApplication).save({
        organizationId: organization.id,
        applicationId: application.applicationId ?? randomUUID(),
        displayName: application.displayName,
        certificateId,
      }),
    );
  }
  return { organization, applications: saved };
}

/**
 * Empties every table, so each test starts from a known state on the file's database. TRUNCATE locks
 * its tables one after another while the server's background work (webhook dispatch, the event feed)
 * may hold one of them: PostgreSQL then ends one side as a deadlock, and emptying again succeeds.
 */
export async function clearDatabase(dataSource: DataSource): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await dataSource.query('TRUNCATE backup_applications, certificates, organizations, certificate_events CASCADE');
      return;
    } catch (error) {
      if ((error as { driverError?: { code?: string } }).driverError?.code !== '40P01' || attempt === 3) throw error;
    }
  }
}

/** Many applications without certificates in one statement, for tests of bulk changes. Returns their application ids. */
export async function seedManyApplications(dataSource: DataSource, organizationId: string, count: number): Promise<string[]> {
  const rows: { application_id: string }[] = await dataSource.query(
    `INSERT INTO backup_applications (organization_id, application_id, display_name)
     SELECT $1, gen_random_uuid(), 'Bulk application ' || lpad(n::text, 6, '0') FROM generate_series(1, $2::int) AS n
     RETURNING application_id`,
    [organizationId, count],
  );
  return rows.map((row) => row.application_id);
}
