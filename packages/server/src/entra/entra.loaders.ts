import type DataLoader from 'dataloader';
import { type DataSource, In } from 'typeorm';
import { rowLoader } from '../common/batch-loaders.js';
import { ApplicationEntraCheck } from './application-entra-check.entity.js';
import { EntraConnection } from './entra-connection.entity.js';

/** The Entra domain's loaders for one request: organizations' connections and applications' last drift checks. */
export function createEntraLoaders(dataSource: DataSource): {
  entraConnection: DataLoader<string, EntraConnection | null>;
  entraCheck: DataLoader<string, ApplicationEntraCheck | null>;
} {
  return {
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
