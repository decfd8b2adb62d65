import { expect, it } from 'vitest';
import { useTestServer } from '../support/test-server.js';

// The webhook dispatcher's periodic round would count in a request it overlaps.
const server = useTestServer({ environment: { WEBHOOK_POLL_INTERVAL_MS: '600000' } });

/** Statements the server sends for one request, once background work has stopped sending any. */
async function statementsFor(query: string): Promise<number> {
  const { sqlStatements } = server.database;
  for (let last = -1, checks = 0; sqlStatements.statementCount !== last && checks < 40; checks += 1) {
    last = sqlStatements.statementCount;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const before = sqlStatements.statementCount;
  const { errors } = await server.graphql(query);
  expect(errors).toBeUndefined();
  return sqlStatements.statementCount - before;
}

/** A page of the audit log without a filter; counting it would read every entry ever written. */
it('counts the audit log only when the request asks for totalCount', async () => {
  await statementsFor('{ auditLog(first: 5) { edges { node { action } } } }');
  const withoutTotal = await statementsFor('{ auditLog(first: 5) { edges { node { action } } } }');
  const withTotal = await statementsFor('{ auditLog(first: 5) { totalCount edges { node { action } } } }');
  expect(withTotal).toBe(withoutTotal + 1);
});

/**
 * The audit log is listed newest first by `seq`, whatever the filter: an index that leads with the
 * filtered column and then `seq` gives a page without walking the whole log backwards.
 */
it('indexes each audit filter with the order it is listed in', async () => {
  const indexes: { columns: string }[] = await server.database.dataSource.query(`
    SELECT string_agg(attribute.attname, ',' ORDER BY key.ordinality) AS columns
    FROM pg_index index
    CROSS JOIN LATERAL unnest(index.indkey::int2[]) WITH ORDINALITY AS key (column_number, ordinality)
    JOIN pg_attribute attribute ON attribute.attrelid = index.indrelid AND attribute.attnum = key.column_number
    WHERE index.indrelid = 'audit_log'::regclass AND index.indpred IS NULL
    GROUP BY index.indexrelid`);
  const columns = indexes.map((index) => index.columns);
  expect(columns).toContain('organization_id,seq');
  expect(columns).toContain('actor_id,seq');
});
