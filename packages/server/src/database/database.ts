import pg from 'pg';
import { DataSource } from 'typeorm';
import { OperatorError } from '../common/operator-error.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { lockDataDirectory } from './data-directory-lock.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { SqlStatementLogger } from './sql-statement-logger.js';
import { productTypeParsers } from './timestamptz-parser.js';

/**
 * How long to wait for a PostgreSQL connection, when opening one or waiting for a free one in the
 * pool. Without it a server that accepts but never answers (a hung server, a firewall dropping
 * packets) blocks start-up, and every request later, forever.
 */
const CONNECT_TIMEOUT_MS = 10_000;

/** The PostgreSQL server named by DATABASE_URL cannot be reached. Its message names host and port, never credentials. */
export class DatabaseUnreachableError extends OperatorError {
  override name = 'DatabaseUnreachableError';
}

/** What the database holds: the entities and migrations of every domain module. */
export interface Persistence {
  entities: (abstract new () => object)[];
  migrations: (abstract new () => object)[];
}

export interface Database {
  dataSource: DataSource;
  /** Counts every SQL statement sent (tests and diagnostics). */
  sqlStatements: SqlStatementLogger;
  /** `embedded` runs PGlite in this process; `postgres` is an external server named by DATABASE_URL. */
  kind: 'embedded' | 'postgres';
  close(): Promise<void>;
}

/**
 * Opens the configured database and brings its schema up to date. With DATABASE_URL it connects
 * to that server; otherwise it locks the data folder and starts the embedded PostgreSQL there.
 */
export async function openDatabase(
  config: Config,
  logger: Logger,
  { entities, migrations }: Persistence,
  onLockCompromised: (error: Error) => void,
): Promise<Database> {
  const sqlStatements = new SqlStatementLogger(logger.child({ component: 'sql' }));
  const common = {
    type: 'postgres' as const,
    entities,
    migrations,
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    logger: sqlStatements,
    poolSize: config.databasePoolSize,
    uuidExtension: 'pgcrypto' as const,
    // The migrations own the schema; gen_random_uuid() is built into PostgreSQL 13+ and PGlite.
    installExtensions: false,
    applicationName: 'backup-applications-manager',
    connectTimeoutMS: CONNECT_TIMEOUT_MS,
    // pg's Pool hands these to each client: timestamptz columns parsed faster, pg's global parsers untouched.
    extra: { types: productTypeParsers },
  };

  const { databaseUrl } = config;
  if (databaseUrl) {
    const dataSource = new DataSource({ ...common, url: databaseUrl });
    await dataSource.initialize().catch((error: unknown) => {
      const cause = error instanceof Error ? error.message : String(error);
      throw new DatabaseUnreachableError('DATABASE_URL', `could not connect to PostgreSQL at ${new URL(databaseUrl).host}: ${cause}`, {
        cause: error,
      });
    });
    await migrateOneInstanceAtATime(databaseUrl, () => migrate(dataSource, logger)).catch(async (error: unknown) => {
      await dataSource.destroy().catch(() => undefined);
      throw error;
    });
    return { dataSource, sqlStatements, kind: 'postgres', close: () => dataSource.destroy() };
  }

  const releaseLock = await lockDataDirectory(config.dataDir, onLockCompromised);
  try {
    const embedded = await startEmbeddedPostgres(config.dataDir, config.databasePoolSize + 2, logger);
    const dataSource = new DataSource({
      ...common,
      // pg takes a host starting with "/" as the folder of a Unix socket.
      host: embedded.socketFolder,
      port: embedded.port,
      username: 'postgres',
      database: 'postgres',
    });
    try {
      await dataSource.initialize();
      await migrate(dataSource, logger);
    } catch (error) {
      await embedded.stop();
      throw error;
    }
    return {
      dataSource,
      sqlStatements,
      kind: 'embedded',
      // Each step runs even if an earlier one fails: PGlite must flush its files, and the lock must go.
      async close() {
        try {
          await dataSource.destroy();
        } finally {
          try {
            await embedded.stop();
          } finally {
            await releaseLock();
          }
        }
      },
    };
  } catch (error) {
    await releaseLock();
    throw error;
  }
}

async function migrate(dataSource: DataSource, logger: Logger): Promise<void> {
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length > 0) logger.info({ migrations: applied.map((migration) => migration.name) }, 'database schema updated');
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
}

/** Any constant: the advisory lock that instances on one PostgreSQL database take to migrate. */
const MIGRATION_LOCK = 0x62616d; // "bam"

/**
 * Instances starting together on one database take turns: the first creates or updates the schema,
 * the others wait on a session advisory lock, then find nothing left to do. The lock is held on a
 * connection of its own, so that it never takes one of the pool's (which may have a single one).
 */
async function migrateOneInstanceAtATime(databaseUrl: string, run: () => Promise<void>): Promise<void> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'backup-applications-manager migrations',
  });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await run();
  } finally {
    // Ending the session releases its advisory lock.
    await client.end().catch(() => undefined);
  }
}
