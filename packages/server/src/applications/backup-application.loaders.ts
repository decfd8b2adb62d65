import type DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { groupLoader } from '../common/batch-loaders.js';
import { plainRows } from '../common/plain-rows.js';
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
    applicationsByCertificate: createApplicationsByCertificateLoader(dataSource),
  };
}
