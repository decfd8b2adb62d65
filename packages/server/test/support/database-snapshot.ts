import type { DataSource } from 'typeorm';

/** Everything a certificate or application change can touch, read straight from the tables. */
export interface DatabaseSnapshot {
  applications: { applicationId: string; certificateId: string | null }[];
  store: { thumbprint: string; store: string; hasKey: boolean; exportable: boolean }[];
  historyRows: number;
}

export async function databaseSnapshot(dataSource: DataSource): Promise<DatabaseSnapshot> {
  const applications = await dataSource.query(
    'SELECT application_id AS "applicationId", certificate_id AS "certificateId" FROM backup_applications ORDER BY application_id',
  );
  const store = await dataSource.query(
    `SELECT thumbprint_sha1 AS thumbprint, store, private_key_ciphertext IS NOT NULL AS "hasKey", key_exportable AS exportable
     FROM certificates ORDER BY thumbprint_sha1`,
  );
  const [{ count }] = await dataSource.query('SELECT count(*)::int AS count FROM certificate_changes');
  return { applications, store, historyRows: count };
}
