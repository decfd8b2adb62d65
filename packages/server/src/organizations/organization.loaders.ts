import DataLoader from 'dataloader';
import { type DataSource, In } from 'typeorm';
import { Organization } from './organization.entity.js';

/** Batches organization look-ups of one request into one statement. */
export function createOrganizationLoader(dataSource: DataSource): DataLoader<string, Organization | null> {
  return new DataLoader(async (ids) => {
    const rows = await dataSource.getRepository(Organization).findBy({ id: In([...ids]) });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
