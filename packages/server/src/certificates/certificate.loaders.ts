import DataLoader from 'dataloader';
import { type DataSource, In } from 'typeorm';
import { Certificate } from './certificate.entity.js';

/** Batches the certificates of all applications a request touches into one statement. */
export function createCertificateLoader(dataSource: DataSource): DataLoader<string, Certificate | null> {
  return new DataLoader(async (ids) => {
    const rows = await dataSource.getRepository(Certificate).findBy({ id: In([...ids]) });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
