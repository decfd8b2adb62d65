import DataLoader from 'dataloader';
import { type DataSource, In } from 'typeorm';
import { CertificateChange } from './certificate-change.entity.js';

/** Batches the certificate histories of all applications a request touches into one statement, newest first. */
export function createCertificateChangesByApplicationLoader(dataSource: DataSource): DataLoader<string, CertificateChange[]> {
  return new DataLoader(async (applicationIds) => {
    const rows = await dataSource.getRepository(CertificateChange).find({
      where: { backupApplicationId: In([...applicationIds]) },
      order: { changedAt: 'DESC', id: 'ASC' },
    });
    const byApplication = new Map<string, CertificateChange[]>(applicationIds.map((id) => [id, []]));
    for (const row of rows) byApplication.get(row.backupApplicationId)?.push(row);
    return applicationIds.map((id) => byApplication.get(id) ?? []);
  });
}
