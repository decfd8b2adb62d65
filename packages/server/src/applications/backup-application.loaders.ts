import type DataLoader from 'dataloader';
import { type DataSource, type FindOptionsWhere, In } from 'typeorm';
import { groupLoader } from '../common/batch-loaders.js';
import { BackupApplication } from './backup-application.entity.js';

function applicationsWhere(dataSource: DataSource, where: FindOptionsWhere<BackupApplication>): Promise<BackupApplication[]> {
  return dataSource.getRepository(BackupApplication).find({ where, order: { displayName: 'ASC', applicationId: 'ASC' } });
}

/** Batches the application lists of all organizations a request touches into one statement. */
function createApplicationsByOrganizationLoader(dataSource: DataSource): DataLoader<string, BackupApplication[]> {
  return groupLoader(
    (ids) => applicationsWhere(dataSource, { organizationId: In(ids) }),
    (row) => row.organizationId,
  );
}

/** Batches "which applications use this certificate" for all certificates a request touches. */
function createApplicationsByCertificateLoader(dataSource: DataSource): DataLoader<string, BackupApplication[]> {
  return groupLoader(
    (ids) => applicationsWhere(dataSource, { certificateId: In(ids) }),
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
