import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type ServerProcess, spawnServer } from '../../packages/server/test/support/server-process.js';
import { createTestDatabase, type TestDatabase } from '../../packages/server/test/support/test-database.js';

export interface ConsoleServer {
  database: TestDatabase;
  server: ServerProcess;
  /** Stops the server, then drops its database and removes its data folder. */
  stop(): Promise<void>;
}

/**
 * The built server for one browser test file, on a fresh PostgreSQL database and a data folder of its
 * own (its master key): never the checkout's `.data`, which the quick start's product uses, and nothing
 * left in the temporary folder afterwards. It runs no scheduled expiry check unless `environment` sets
 * `EXPIRY_CHECK_INTERVAL_SECONDS` (a test of the check or its notices opts in that way).
 */
export async function spawnConsoleServer(environment: Record<string, string>): Promise<ConsoleServer> {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bam-browser-data-'));
  const server = spawnServer({
    // The check's first run, 2 s after start, records the demo certificates' expiry events while a test's
    // page loads: the console then rightly reads its views again, and request counts and live views race.
    EXPIRY_CHECK_INTERVAL_SECONDS: '0',
    ...environment,
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
  });
  return {
    database,
    server,
    async stop() {
      server.child.kill('SIGTERM');
      await server.exited;
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs one statement on a console server's database, on a connection of its own. */
export async function queryDatabase<Row extends Record<string, unknown>>(
  database: TestDatabase,
  sql: string,
  values: unknown[] = [],
): Promise<Row[]> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query<Row>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** Adds `scale.onmicrosoft.com` with 1,000 applications (`Scale App 0001`…), every other one on the store's oldest certificate. */
export async function seedScaleOrganization(database: TestDatabase): Promise<void> {
  const [organization] = await queryDatabase<{ id: string }>(
    database,
    `INSERT INTO organizations (name, tenant_id, region) VALUES ('scale.onmicrosoft.com', gen_random_uuid(), 'Worldwide') RETURNING id`,
  );
  const [certificate] = await queryDatabase<{ id: string }>(database, `SELECT id FROM certificates ORDER BY created_at LIMIT 1`);
  await queryDatabase(
    database,
    `INSERT INTO backup_applications (organization_id, application_id, display_name, certificate_id)
     SELECT $1, gen_random_uuid(), 'Scale App ' || lpad(n::text, 4, '0'), CASE WHEN n % 2 = 0 THEN $2::uuid END
     FROM generate_series(1, 1000) AS n`,
    [organization!.id, certificate!.id],
  );
}
