import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { type ServerProcess, spawnServer } from './server-process.js';
import { signInCookie } from './sign-in.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';
import { migratedDataDir } from './test-server.js';

/** A GraphQL request to one instance, signed in as the shared administrator. */
export type InstanceGraphQL = <Data>(query: string, variables?: Record<string, unknown>) => Promise<{ data?: Data; errors?: unknown[] }>;

export interface ServerInstances<Database extends TestDatabase | null = TestDatabase> {
  /** The PostgreSQL database; null for one server on the embedded database (in its data folder). */
  database: Database;
  processes: ServerProcess[];
  /** Each instance's base URL, in the order of `processes`. */
  urls: string[];
  admin: { username: string; password: string };
  /** The administrator's session cookie (sessions live in the shared database: valid on every instance). */
  cookie: string;
  graphqlOn(url: string): InstanceGraphQL;
  /** Rows of a query on the database, read directly once every instance has exited (the embedded one holds its folder until then). */
  queryStopped<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Stops every instance, then drops the database. */
  stop(): Promise<void>;
}

/**
 * Several built servers on one fresh PostgreSQL database, as operators run them behind a load
 * balancer: same database, master key and first administrator; started together (they take turns
 * on the schema). `embedded`: one server on the embedded database of a fresh data folder (holding the migrated template) instead.
 * They run no scheduled expiry check unless `environment` sets `EXPIRY_CHECK_INTERVAL_SECONDS`.
 */
export function startServerInstances(options?: { count?: number; environment?: Record<string, string> }): Promise<ServerInstances>;
export function startServerInstances(options: {
  count: 1;
  environment?: Record<string, string>;
  embedded: boolean;
}): Promise<ServerInstances<TestDatabase | null>>;
export async function startServerInstances({
  count = 2,
  environment = {},
  embedded = false,
}: { count?: number; environment?: Record<string, string>; embedded?: boolean } = {}): Promise<ServerInstances<TestDatabase | null>> {
  if (embedded && count !== 1) throw new Error('the embedded database serves one instance');
  const database = embedded ? null : await createTestDatabase();
  const dataDir = embedded ? await migratedDataDir('bam-instances-') : await fs.mkdtemp(path.join(os.tmpdir(), 'bam-instances-'));
  const admin = { username: 'instances-admin', password: randomBytes(16).toString('hex') };
  const masterKey = randomBytes(32).toString('base64');
  const processes = Array.from({ length: count }, () =>
    spawnServer({
      // As in the console's test servers: the check's first run, 2 s after start, would record events while a test runs.
      EXPIRY_CHECK_INTERVAL_SECONDS: '0',
      ...environment,
      ...(database ? { DATABASE_URL: database.url } : {}),
      DATA_DIR: dataDir,
      MASTER_KEY: masterKey,
      INITIAL_ADMIN_USERNAME: admin.username,
      INITIAL_ADMIN_PASSWORD: admin.password,
    }),
  );
  const stop = async () => {
    for (const process of processes) process.child.kill('SIGTERM');
    await Promise.all(processes.map((process) => process.exited));
    await database?.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
  };
  try {
    const urls = await Promise.all(processes.map((process) => process.started));
    const cookie = await signInCookie(urls[0]!, admin.username, admin.password);
    const graphqlOn =
      (url: string): InstanceGraphQL =>
      async (query, variables) => {
        const response = await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie },
          body: JSON.stringify({ query, variables }),
        });
        return (await response.json()) as { data?: never; errors?: unknown[] };
      };
    const queryStopped = async <Row>(sql: string, params: unknown[] = []): Promise<Row[]> => {
      if (database) {
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        try {
          return (await client.query(sql, params)).rows as Row[];
        } finally {
          await client.end();
        }
      }
      const embedded = await PGlite.create(path.join(dataDir, 'postgres'));
      try {
        return (await embedded.query<Row>(sql, params)).rows;
      } finally {
        await embedded.close();
      }
    };
    return { database, processes, urls, admin, cookie, graphqlOn, queryStopped, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
