import type DataLoader from 'dataloader';
import { type DataSource, In } from 'typeorm';
import { groupLoader, rowLoader } from '../common/batch-loaders.js';
import { ApplicationEntraCheck } from './application-entra-check.entity.js';
import { EntraConnection } from './entra-connection.entity.js';

/**
 * The Entra domain's loaders for one request: organizations' connections, the connections that sign in with
 * a store certificate, and applications' last drift checks.
 */
export function createEntraLoaders(dataSource: DataSource): {
  entraConnection: DataLoader<string, EntraConnection | null>;
  entraConnectionsByManagementCertificate: DataLoader<string, EntraConnection[]>;
  entraCheck: DataLoader<string, ApplicationEntraCheck | null>;
} {
  return {
    entraConnectionsByManagementCertificate: groupLoader(
      (ids) => dataSource.getRepository(EntraConnection).find({ where: { managementCertificateId: In(ids) }, order: { connectedAt: 'ASC' } }),
      (row) => row.managementCertificateId,
    ),
    entraConnection: rowLoader(
      (ids) => dataSource.getRepository(EntraConnection).findBy({ organizationId: In(ids) }),
      (row) => row.organizationId,
    ),
    entraCheck: rowLoader(
      (ids) => dataSource.getRepository(ApplicationEntraCheck).findBy({ backupApplicationId: In(ids) }),
      (row) => row.backupApplicationId,
    ),
  };
}
