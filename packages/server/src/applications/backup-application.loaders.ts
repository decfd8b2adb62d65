import type DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { groupLoader } from '../common/batch-loaders.js';
import { plainRows } from '../common/plain-rows.js';
import { Certificate } from '../certificates/certificate.entity.js';
import { certificateColumnsFor } from '../certificates/certificate.loaders.js';
import { BackupApplication } from './backup-application.entity.js';

/** The applications whose `column` is one of `ids`, by name as the console lists them. */
function applicationsWhere(dataSource: DataSource, column: 'organization_id' | 'certificate_id', ids: string[]): Promise<BackupApplication[]> {
  return plainRows(dataSource, BackupApplication).select(`WHERE ${column} = ANY($1) ORDER BY display_name, application_id`, [ids]);
}

/** Batches the application lists of all organizations a request touches into one statement. */
function createApplicationsByOrganizationLoader(dataSource: DataSource): DataLoader<string, BackupApplication[]> {
  return groupLoader(
    (ids) => applicationsWhere(dataSource, 'organization_id', ids),
    (row) => row.organizationId,
  );
}

/**
 * Batches the application lists of all organizations a request touches, each application with its
 * certificate (`certificate` set, or null) into one statement: for lists that show certificates, it
 * saves a statement and a look-up per application. The certificates hold only the `columns` given
 * (`id` among them), what the list's certificate fields read.
 */
function createApplicationsWithCertificatesByOrganizationLoader(
  dataSource: DataSource,
  columns: (keyof Certificate & string)[],
): DataLoader<string, BackupApplication[]> {
  const applications = plainRows(dataSource, BackupApplication);
  const certificates = plainRows(dataSource, Certificate, { only: columns });
  const sql = `SELECT ${applications.columns('application', '')}, ${certificates.columns('certificate', 'certificate.')}
    FROM backup_applications application LEFT JOIN certificates certificate ON certificate.id = application.certificate_id
    WHERE application.organization_id = ANY($1) ORDER BY application.display_name, application.application_id`;
  return groupLoader(
    async (ids) =>
      ((await dataSource.query(sql, [ids])) as Record<string, unknown>[]).map((row) => {
        const application = applications.entity(row, '');
        application.certificate = row['certificate.id'] === null ? null : certificates.entity(row, 'certificate.');
        return application;
      }),
    (row) => row.organizationId,
  );
}

/** One loader per set of certificate columns a request's lists ask for (usually one). */
function applicationsWithCertificatesByOrganization(dataSource: DataSource) {
  const loaders = new Map<string, DataLoader<string, BackupApplication[]>>();
  /** `certificateFields`: the fields the list selects on each application's certificate. */
  return (certificateFields: Iterable<string>): DataLoader<string, BackupApplication[]> => {
    const columns = certificateColumnsFor(dataSource, certificateFields).sort();
    const key = columns.join(',');
    let loader = loaders.get(key);
    if (!loader) loaders.set(key, (loader = createApplicationsWithCertificatesByOrganizationLoader(dataSource, columns)));
    return loader;
  };
}

/** Batches "which applications use this certificate" for all certificates a request touches. */
function createApplicationsByCertificateLoader(dataSource: DataSource): DataLoader<string, BackupApplication[]> {
  return groupLoader(
    (ids) => applicationsWhere(dataSource, 'certificate_id', ids),
    (row) => row.certificateId,
  );
}

/** The application domain's loaders for one request. */
export function createApplicationLoaders(dataSource: DataSource) {
  return {
    applicationsByOrganization: createApplicationsByOrganizationLoader(dataSource),
    applicationsWithCertificatesByOrganization: applicationsWithCertificatesByOrganization(dataSource),
    applicationsByCertificate: createApplicationsByCertificateLoader(dataSource),
  };
}
