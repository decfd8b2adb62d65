import { expect, it, vi } from 'vitest';
import { DELIVERY_PAGES_SQL } from '../../src/webhooks/webhook-delivery.loaders.js';
import { sqlStatementsSettled } from '../support/sql-statements.js';
import { useTestServer } from '../support/test-server.js';

// The webhook dispatcher's periodic round would count in a request it overlaps.
const server = useTestServer({ environment: { WEBHOOK_POLL_INTERVAL_MS: '600000' } });

/** Statements the server sends for one request, once background work has stopped sending any. */
async function statementsFor(query: string): Promise<number> {
  await sqlStatementsSettled(server);
  const { sqlStatements } = server.database;
  const before = sqlStatements.statementCount;
  const { errors } = await server.graphql(query);
  expect(errors).toBeUndefined();
  return sqlStatements.statementCount - before;
}

/** Each statement a request sends, with its parameters (read from the server's statement logger). */
async function statementsSentBy(query: string): Promise<{ sql: string; parameters: unknown[] }[]> {
  await sqlStatementsSettled(server);
  const logged = vi.spyOn(server.database.sqlStatements, 'logQuery');
  try {
    const { errors } = await server.graphql(query);
    expect(errors).toBeUndefined();
    return logged.mock.calls.map((call) => {
      const [sql, parameters] = call as unknown[];
      return { sql: sql as string, parameters: (parameters as unknown[] | undefined) ?? [] };
    });
  } finally {
    logged.mockRestore();
  }
}

type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] };

/** Every node of a statement's plan as it ran (EXPLAIN ANALYZE). */
async function planNodes(sql: string, parameters: unknown[]): Promise<PlanNode[]> {
  const [{ 'QUERY PLAN': plan }] = (await server.database.dataSource.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, parameters)) as [
    { 'QUERY PLAN': unknown },
  ];
  const nodes: PlanNode[] = [];
  const visit = (node: PlanNode) => {
    nodes.push(node);
    for (const child of node.Plans ?? []) visit(child);
  };
  visit((typeof plan === 'string' ? JSON.parse(plan) : plan)[0].Plan);
  return nodes;
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

/** Counted once per page, not once per row of it (21 counts of the endpoint's whole history per page of 20). */
it("counts an endpoint's deliveries once per page", async () => {
  const { dataSource } = server.database;
  const [{ id: endpointId }] = (await dataSource.query(
    `INSERT INTO webhook_endpoints (id, url, event_types, secret_ciphertext, master_key_id, starts_after_position, created_by)
     VALUES (gen_random_uuid(), 'https://count.example/', '{CERTIFICATE_UPDATED}', '\\x00', 'unused', 0, 'test') RETURNING id`,
  )) as [{ id: string }];
  await dataSource.query(
    `WITH recorded AS (
       INSERT INTO certificate_events (id, time, type, actor, cloud_event)
       SELECT gen_random_uuid(), now(), 'CERTIFICATE_UPDATED', 'test', '{}' FROM generate_series(1, 5) RETURNING position, id, type
     )
     INSERT INTO webhook_deliveries (endpoint_id, event_position, event_id, event_type, status)
     SELECT $1, position, id, type, 'DELIVERED' FROM recorded`,
    [endpointId],
  );
  const nodes = await planNodes(DELIVERY_PAGES_SQL, [[0], [endpointId], ['9223372036854775807'], [2], [true]]);
  const counted = nodes.filter((node) => node.Alias === 'counted');
  expect(counted.map((node) => node['Actual Loops'])).toEqual([1]);
});

/** The console's webhooks page asks for the total; a client that only pages through deliveries should not pay for it. */
it("counts an endpoint's deliveries only when the request asks for totalCount", async () => {
  const { dataSource } = server.database;
  await dataSource.query(
    `INSERT INTO webhook_endpoints (id, url, event_types, secret_ciphertext, master_key_id, starts_after_position, created_by)
     VALUES (gen_random_uuid(), 'https://asked.example/', '{CERTIFICATE_UPDATED}', '\\x00', 'unused', 0, 'test')`,
  );
  const countsRun = async (selection: string) => {
    const sent = await statementsSentBy(`{ webhookEndpoints { deliveries(first: 2) { ${selection} } } }`);
    const pages = sent.filter((statement) => statement.sql === DELIVERY_PAGES_SQL);
    expect(pages).toHaveLength(1);
    const nodes = await planNodes(pages[0]!.sql, pages[0]!.parameters);
    return nodes.filter((node) => node.Alias === 'counted').reduce((loops, node) => loops + (node['Actual Loops'] as number), 0);
  };
  expect(await countsRun('edges { node { id } }')).toBe(0);
  expect(await countsRun('totalCount edges { node { id } }')).toBeGreaterThan(0);
});

/**
 * A page of one organization's events, among ten organizations of 2,000 events and 200 of 250, recorded
 * in turn: `organization_id = ANY(…) ORDER BY position` walked the primary key through the others'
 * events, all of them for an organization without any, a filter on a type without events scanned
 * them all, and one on an organization and a type it has few or none of read all of the organization's.
 * Now no statement of the request discards an event it read (the list's page and the subscription's
 * backlog read their events the same way).
 */
it("reads no other organization's or type's events for a page of one organization's or type's", async () => {
  const { dataSource } = server.database;
  await dataSource.query(
    `INSERT INTO certificate_events (id, time, type, organization_id, actor, cloud_event)
     SELECT gen_random_uuid(), now(), CASE WHEN turn % 7 = 0 THEN 'CERTIFICATE_EXPIRING' ELSE 'CERTIFICATE_UPDATED' END, organization.id, 'test', '{}'
     FROM (SELECT gen_random_uuid() AS id, CASE WHEN number <= 10 THEN 2000 ELSE 250 END AS events FROM generate_series(1, 210) AS number) AS organization
     JOIN generate_series(1, 2000) AS turn ON turn <= organization.events
     ORDER BY turn`,
  );
  await dataSource.query('ANALYZE certificate_events');
  const [{ id: busy }] = (await dataSource.query(
    `SELECT organization_id AS id FROM certificate_events WHERE organization_id IS NOT NULL GROUP BY organization_id ORDER BY count(*) DESC LIMIT 1`,
  )) as [{ id: string }];
  const discarded: Record<string, number> = {};
  const filters = {
    withoutEvents: 'organizationIds: ["00000000-0000-4000-8000-000000000001"]',
    busiest: `organizationIds: ["${busy}"]`,
    typeWithoutEvents: 'types: [STORE_CERTIFICATE_REMOVED]',
    busiestOfTypeWithoutEvents: `organizationIds: ["${busy}"], types: [STORE_CERTIFICATE_REMOVED]`,
    busiestOfRareType: `organizationIds: ["${busy}"], types: [CERTIFICATE_EXPIRING]`,
  };
  for (const [name, filter] of Object.entries(filters)) {
    const sent = await statementsSentBy(`{ certificateEvents(first: 50, filter: { ${filter} }) { edges { node { id } } } }`);
    const pages = sent.filter((statement) => statement.sql.includes('certificate_event_log'));
    expect(pages).toHaveLength(1);
    const nodes = await planNodes(pages[0]!.sql, pages[0]!.parameters);
    discarded[name] = nodes
      .filter((node) => node['Relation Name'] === 'certificate_events')
      .reduce((rows, node) => rows + ((node['Rows Removed by Filter'] as number | undefined) ?? 0) * (node['Actual Loops'] as number), 0);
  }
  expect(discarded).toEqual({ withoutEvents: 0, busiest: 0, typeWithoutEvents: 0, busiestOfTypeWithoutEvents: 0, busiestOfRareType: 0 });

  // The merged pages keep the list's order and cursor: three pages of the busiest and a small organization, of two
  // types, and of both.
  const [{ id: small }] = (await dataSource.query(
    `SELECT organization_id AS id FROM certificate_events WHERE organization_id IS NOT NULL GROUP BY organization_id ORDER BY count(*) LIMIT 1`,
  )) as [{ id: string }];
  const merged = [
    { organizationIds: [busy, small], types: null },
    { organizationIds: null, types: ['CERTIFICATE_EXPIRING', 'STORE_CERTIFICATE_REMOVED'] },
    { organizationIds: [busy, small], types: ['CERTIFICATE_EXPIRING', 'CERTIFICATE_UPDATED'] },
  ];
  for (const filter of merged) {
    const expected = (
      (await dataSource.query(
        `SELECT id FROM certificate_events WHERE ($1::uuid[] IS NULL OR organization_id = ANY($1)) AND ($2::text[] IS NULL OR type = ANY($2))
         ORDER BY position LIMIT 300`,
        [filter.organizationIds, filter.types],
      )) as { id: string }[]
    ).map((row) => row.id);
    const listed: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page += 1) {
      const { data }: { data?: { certificateEvents: { pageInfo: { endCursor: string }; edges: { node: { id: string } }[] } } } = await server.graphql(
        `query ($after: String, $filter: CertificateEventFilter) {
          certificateEvents(first: 100, after: $after, filter: $filter) { pageInfo { endCursor } edges { node { id } } }
        }`,
        { after, filter },
      );
      listed.push(...data!.certificateEvents.edges.map((edge) => edge.node.id));
      after = data!.certificateEvents.pageInfo.endCursor;
    }
    expect(listed).toHaveLength(300);
    expect(listed).toEqual(expected);
  }
});
