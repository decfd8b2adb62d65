import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
 * left in the temporary folder afterwards.
 */
export async function spawnConsoleServer(environment: Record<string, string>): Promise<ConsoleServer> {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bam-browser-data-'));
  const server = spawnServer({ ...environment, DATABASE_URL: database.url, DATA_DIR: dataDir });
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
