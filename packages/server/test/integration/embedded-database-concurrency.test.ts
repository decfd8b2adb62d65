import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { seedOrganization } from '../support/seed.js';
import { testDatabaseKind, useTestServer } from '../support/test-server.js';

const server = useTestServer();

const pools: pg.Pool[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.end();
});

/** Clients of the embedded database beside the server's pool, as an operator's `psql -h <folder>` would be. */
function poolBeside(connections: number): pg.Pool {
  const options = server.database.dataSource.options;
  if (options.type !== 'postgres') throw new Error('expected postgres connection options');
  const pool = new pg.Pool({ host: options.host, port: options.port, user: 'postgres', database: 'postgres', max: connections });
  pools.push(pool);
  return pool;
}

function socketPath(): string {
  const options = server.database.dataSource.options;
  if (options.type !== 'postgres') throw new Error('expected postgres connection options');
  return path.join(options.host!, `.s.PGSQL.${options.port}`);
}

/** One PostgreSQL protocol message: a type byte, then its length (counting itself) and body. */
function message(type: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

/** Large enough that its Bind message reaches the database in several socket reads. */
const largeText = 'x'.repeat(300_000);

/**
 * Queries of different shapes in flight at once on every connection, each checking its own answer:
 * an unnamed statement parsed by one connection must never be bound with another's parameters.
 */
async function concurrentQueries(run: (sql: string, parameters: unknown[]) => Promise<{ value: string }[]>, count: number) {
  const outcomes = await Promise.allSettled(
    Array.from({ length: count }, async (_, index) => {
      const rows =
        index % 3 === 0
          ? await run('SELECT $1::text AS value', [`one ${index}`])
          : index % 3 === 1
            ? await run('SELECT $1::text || $2::text AS value', [`two ${index}`, '!'])
            : await run("SELECT concat_ws(' ', length($1::text), $2::text, $3::int) AS value", [largeText, 'at', index]);
      return rows[0]?.value;
    }),
  );
  return outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : `failed: ${String(outcome.reason)}`));
}

function expectedAnswers(count: number): string[] {
  return Array.from({ length: count }, (_, index) =>
    index % 3 === 0 ? `one ${index}` : index % 3 === 1 ? `two ${index}!` : `${largeText.length} at ${index}`,
  );
}

describe.runIf(testDatabaseKind === 'embedded')('the embedded database under concurrent queries', () => {
  it("answers parameterised queries running at the same time on the server's pooled connections", async () => {
    const answers = await concurrentQueries((sql, parameters) => server.database.dataSource.query(sql, parameters), 300);
    expect(answers).toEqual(expectedAnswers(300));
  });

  it("keeps another client's queries apart from the server's", async () => {
    const beside = poolBeside(2);
    const answers = await concurrentQueries(async (sql, parameters) => {
      const index = parameters.length === 3 ? Number(parameters[2]) : Number(String(parameters[0]).split(' ')[1]);
      if (index % 2 === 0) return server.database.dataSource.query(sql, parameters);
      return (await beside.query<{ value: string }>(sql, parameters)).rows;
    }, 300);
    expect(answers).toEqual(expectedAnswers(300));
  });

  it("keeps a transaction's statements to itself while other connections query", async () => {
    const answers = await Promise.all([
      server.database.dataSource.transaction(async (manager) => {
        await manager.query('CREATE TEMPORARY TABLE inside_transaction (value int) ON COMMIT DROP');
        for (let value = 0; value < 20; value++) await manager.query('INSERT INTO inside_transaction VALUES ($1)', [value]);
        return (await manager.query('SELECT count(*)::int AS count FROM inside_transaction'))[0].count as number;
      }),
      concurrentQueries((sql, parameters) => server.database.dataSource.query(sql, parameters), 60),
    ]);
    expect(answers).toEqual([20, expectedAnswers(60)]);
  });

  it('serves the next queries after a client disconnects in the middle of a failed exchange', async () => {
    const socket = net.connect(socketPath());
    await new Promise((resolve) => socket.once('connect', resolve));
    // Startup, then a Parse that fails and no Sync: PostgreSQL skips messages until a Sync after an error.
    const startupBody = Buffer.from('\0\x03\0\0user\0postgres\0database\0postgres\0\0', 'latin1');
    const startup = Buffer.alloc(4);
    startup.writeInt32BE(startupBody.length + 4);
    socket.write(Buffer.concat([startup, startupBody]));
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.write(message('P', Buffer.from('\0SELECT * FROM no_such_table\0\0\0', 'latin1')));
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.destroy();

    const answers = await concurrentQueries((sql, parameters) => server.database.dataSource.query(sql, parameters), 30);
    expect(answers).toEqual(expectedAnswers(30));
  });

  it('rolls back the transaction of a client that disconnects in the middle of it', async () => {
    const client = await poolBeside(1).connect();
    await client.query('BEGIN');
    await client.query('CREATE TABLE left_behind (value int)');
    await client.query('INSERT INTO left_behind VALUES ($1)', [1]);
    // Gone without COMMIT or ROLLBACK, as a killed psql would be.
    client.release(true);

    const answers = await concurrentQueries((sql, parameters) => server.database.dataSource.query(sql, parameters), 30);
    expect(answers).toEqual(expectedAnswers(30));
    expect(await server.database.dataSource.query("SELECT to_regclass('left_behind') AS found")).toEqual([{ found: null }]);
  });

  it('answers many API requests at once, reads and writes, each with its own answer', async () => {
    await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', [
      { displayName: 'A with certificate', certificate: { validFromDays: -1, validToDays: 90 } },
      { displayName: 'B not configured' },
    ]);
    const read = '{ organizations(first: 20) { totalCount edges { node { name backupApplications { displayName certificate { status } } } } } }';
    const createToken = 'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { errors { code } } }';
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, index) =>
        index % 2 === 0
          ? server.graphql(createToken, { input: { name: `concurrent ${index}`, role: 'VIEWER', organizationIds: null, expiresAt } })
          : server.graphql(read),
      ),
    );
    for (const [index, response] of responses.entries()) {
      expect(response).toEqual(
        index % 2 === 0
          ? { data: { createApiToken: { errors: [] } } }
          : {
              data: {
                organizations: {
                  totalCount: 1,
                  edges: [
                    {
                      node: {
                        name: 'contoso.onmicrosoft.com',
                        backupApplications: [
                          { displayName: 'A with certificate', certificate: { status: 'VALID' } },
                          { displayName: 'B not configured', certificate: null },
                        ],
                      },
                    },
                  ],
                },
              },
              // A query's answer says which certificate events it includes.
              extensions: { certificateEventPosition: expect.any(String) },
            },
      );
    }
    const [{ tokens }] = await server.database.dataSource.query("SELECT count(*)::int AS tokens FROM api_tokens WHERE name LIKE 'concurrent %'");
    expect(tokens).toBe(30);
  });
});
