import DataLoader from 'dataloader';
import { type DataSource, In } from 'typeorm';
import { BackupApplication } from './backup-application.entity.js';

/** Batches the application lists of all organizations a request touches into one statement. */
export function createApplicationsByOrganizationLoader(dataSource: DataSource): DataLoader<string, BackupApplication[]> {
  return new DataLoader(async (organizationIds) => {
    const rows = await dataSource.getRepository(BackupApplication).find({
      where: { organizationId: In([...organizationIds]) },
      order: { displayName: 'ASC', applicationId: 'ASC' },
    });
    const byOrganization = new Map<string, BackupApplication[]>(organizationIds.map((id) => [id, []]));
    for (const row of rows) byOrganization.get(row.organizationId)?.push(row);
    return organizationIds.map((id) => byOrganization.get(id) ?? []);
  });
}

/** Batches "which applications use this certificate" for all certificates a request touches. */
export function createApplicationsByCertificateLoader(dataSource: DataSource): DataLoader<string, BackupApplication[]> {
  return new DataLoader(async (certificateIds) => {
    const rows = await dataSource.getRepository(BackupApplication).find({
      where: { certificateId: In([...certificateIds]) },
      order: { displayName: 'ASC', applicationId: 'ASC' },
    });
    const byCertificate = new Map<string, BackupApplication[]>(certificateIds.map((id) => [id, []]));
    for (const row of rows) if (row.certificateId) byCertificate.get(row.certificateId)?.push(row);
    return certificateIds.map((id) => byCertificate.get(id) ?? []);
  });
}
