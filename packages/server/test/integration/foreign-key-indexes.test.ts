import { expect, it } from 'vitest';
import { useTestServer } from '../support/test-server.js';

const server = useTestServer();

/**
 * Deleting a row that foreign keys point to makes PostgreSQL look up the pointing rows once per deleted
 * row; without an index on the key's columns each lookup reads the whole table. Removing 1,000
 * applications with 10,000 Entra rotations on record took 366 ms instead of 22.5 ms that way.
 */
it('backs every foreign key with an index that leads with its columns', async () => {
  const unindexed: { constraint: string }[] = await server.database.dataSource.query(`
    SELECT key.conrelid::regclass || '.' || key.conname AS constraint
    FROM pg_constraint key
    WHERE key.contype = 'f'
      AND NOT EXISTS (
        SELECT 1 FROM pg_index index
        WHERE index.indrelid = key.conrelid AND index.indpred IS NULL
          AND (SELECT array_agg(column_number ORDER BY column_number) FROM unnest(key.conkey) AS column_number)
            = (SELECT array_agg(column_number ORDER BY column_number)
               FROM unnest((index.indkey::int2[])[0:cardinality(key.conkey) - 1]) AS column_number))
    ORDER BY 1`);
  expect(unindexed.map((row) => row.constraint)).toEqual([]);
});
