import type DataLoader from 'dataloader';
import { type DataSource, In } from 'typeorm';
import { groupLoader } from '../common/batch-loaders.js';
import { CertificateChange } from './certificate-change.entity.js';

/** Batches the certificate histories of all applications a request touches into one statement, newest first. */
export function createCertificateChangesByApplicationLoader(dataSource: DataSource): DataLoader<string, CertificateChange[]> {
  return groupLoader(
    (applicationIds) =>
      dataSource
        .getRepository(CertificateChange)
        .find({ where: { backupApplicationId: In(applicationIds) }, order: { changedAt: 'DESC', id: 'ASC' } }),
    (row) => row.backupApplicationId,
  );
}
