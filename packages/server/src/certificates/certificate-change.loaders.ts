import type DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { groupLoader } from '../common/batch-loaders.js';
import { CertificateChange } from './certificate-change.entity.js';

/**
 * The newest `limit` certificate changes of each application a request touches, newest first: one
 * statement per distinct limit however many applications, each history bounded by a window function
 * (served by the index on application and time).
 */
export function createCertificateHistoryLoaders(dataSource: DataSource): (limit: number) => DataLoader<string, CertificateChange[]> {
  const byLimit = new Map<number, DataLoader<string, CertificateChange[]>>();
  return (limit) => {
    let loader = byLimit.get(limit);
    if (!loader) {
      loader = groupLoader(
        (applicationIds) =>
          dataSource
            .getRepository(CertificateChange)
            .createQueryBuilder('change')
            .where(
              `change.id IN (
                 SELECT ranked.id FROM (
                   SELECT id, row_number() OVER (PARTITION BY backup_application_id ORDER BY changed_at DESC, id ASC) AS position
                   FROM certificate_changes WHERE backup_application_id = ANY(CAST(:applicationIds AS uuid[]))
                 ) ranked
                 WHERE ranked.position <= :limit)`,
              { applicationIds, limit },
            )
            .orderBy('change.changedAt', 'DESC')
            .addOrderBy('change.id', 'ASC')
            .getMany(),
        (row) => row.backupApplicationId,
      );
      byLimit.set(limit, loader);
    }
    return loader;
  };
}
