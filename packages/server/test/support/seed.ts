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
 * The two organizations most tests start from: Contoso with the applications "Contoso 1" to "Contoso <contoso>", the
 * first with a certificate of `contosoCertificate`'s validity when given, and Fabrikam with "Fabrikam 1" to
 * "Fabrikam <fabrikam>"; every other application is Not configured.
 */
export async function seedContosoAndFabrikam(
  dataSource: DataSource,
  { contoso, fabrikam = 1, contosoCertificate }: { contoso: number; fabrikam?: number; contosoCertificate?: SeedApplication['certificate'] },
): Promise<{ contoso: SeededOrganization; fabrikam: SeededOrganization }> {
  const named = (name: string, count: number): SeedApplication[] =>
    Array.from({ length: count }, (_, index) => ({ displayName: `${name} ${index + 1}` }));
  const contosoApplications = named('Contoso', contoso);
  if (contosoCertificate) contosoApplications[0]!.certificate = contosoCertificate;
  return {
    contoso: await seedOrganization(dataSource, 'contoso.onmicrosoft.com', contosoApplications),
    fabrikam: await seedOrganization(dataSource, 'fabrikam.onmicrosoft.com', named('Fabrikam', fabrikam)),
  };
}

/** The tables each test starts without rows in; the accounts and API tokens stay. */
const clearedTables = ['backup_applications', 'certificates', 'organizations', 'certificate_events'];

/** Per database: those tables and every table a foreign key leads from to one of them, as TRUNCATE … CASCADE would empty. */
const tablesToClear = new WeakMap<DataSource, Promise<string[]>>();

/**
 * Empties the data tables, so each test starts from a known state on the file's database. DELETE, not
 * TRUNCATE: on tables this small TRUNCATE took 200–450 ms (a new file per table, and an exclusive lock
 * per table), paid before each of a thousand tests; DELETE takes a few. Foreign keys are not checked
 * meanwhile (`session_replication_role`), as every table they join is emptied in the same transaction.
 * The server's background work (webhook dispatch, the event feed) may hold a row: PostgreSQL may then
 * end one side as a deadlock, and emptying again succeeds.
 */
export async function clearDatabase(dataSource: DataSource): Promise<void> {
  let tables = tablesToClear.get(dataSource);
  if (!tables) tablesToClear.set(dataSource, (tables = referencingTables(dataSource, clearedTables)));
  const deletes = (await tables).map((table) => `DELETE FROM ${table}`);
  for (let attempt = 1; ; attempt += 1) {
    try {
      await dataSource.transaction(async (manager) => {
        await manager.query(`SET LOCAL session_replication_role = replica`);
        for (const statement of deletes) await manager.query(statement);
      });
      return;
    } catch (error) {
      if ((error as { driverError?: { code?: string } }).driverError?.code !== '40P01' || attempt === 3) throw error;
    }
  }
}

async function referencingTables(dataSource: DataSource, tables: string[]): Promise<string[]> {
  const rows: { name: string }[] = await dataSource.query(
    `WITH RECURSIVE cleared(table_id) AS (
       SELECT name::regclass::oid FROM unnest($1::text[]) AS name
       UNION
       SELECT constraint_.conrelid FROM pg_constraint constraint_ JOIN cleared ON constraint_.confrelid = cleared.table_id
       WHERE constraint_.contype = 'f'
     )
     SELECT table_id::regclass::text AS name FROM cleared ORDER BY 1`,
    [tables],
  );
  return rows.map((row) => row.name);
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
