import fs from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import type { Logger } from '../logging/logger.js';
import { PGliteSessionServer } from './pglite-session-server.js';

/** The port in the socket's name: pg (and `psql -h <folder>`) connect to `<folder>/.s.PGSQL.<port>`. */
const SOCKET_PORT = 5432;
/** Longest Unix socket path every platform accepts (macOS: 104 bytes with the final NUL); Node silently cuts longer ones. */
const MAX_SOCKET_PATH_BYTES = 103;

export interface EmbeddedPostgres {
  /** The folder holding the Unix socket: pg's `host`. */
  socketFolder: string;
  port: number;
  stop(): Promise<void>;
}

/** Shared buffers of the embedded database (see where it starts). */
const EMBEDDED_SHARED_BUFFERS = '16MB';

/**
 * Starts PGlite on disk and serves it on a Unix socket, so the ordinary postgres driver — the same
 * code path as a real PostgreSQL server — talks to it. PGlite accepts any user and password, so the
 * socket sits in a folder only the server's user can enter, and no TCP port is opened.
 * The caller holds the data folder lock.
 */
export async function startEmbeddedPostgres(dataDir: string, maxConnections: number, logger: Logger): Promise<EmbeddedPostgres> {
  const databaseDir = path.join(dataDir, 'postgres');
  const socketFolder = path.join(dataDir, 'socket');
  const socketPath = path.join(socketFolder, `.s.PGSQL.${SOCKET_PORT}`);
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
    throw new Error(
      `The embedded database's socket path ${socketPath} is longer than the ${MAX_SOCKET_PATH_BYTES} bytes a Unix socket path may have: ` +
        'set DATA_DIR to a shorter folder.',
    );
  }
  await fs.mkdir(socketFolder, { recursive: true, mode: 0o700 });
  // mkdir keeps an existing folder's mode.
  await fs.chmod(socketFolder, 0o700);
  // A crashed run leaves its socket file behind, and listening fails on an existing path; the lock we hold
  // says no live server uses it.
  await fs.rm(socketPath, { force: true });

  const startedAt = performance.now();
  // PostgreSQL's default 128 MB of shared buffers fill with use and stay resident in the WASM heap;
  // an embedded installation's data fits in far less, and the operating system caches its files anyway.
  const options = { postgresqlconf: [`shared_buffers = ${EMBEDDED_SHARED_BUFFERS}`] };
  // First start: a PGlite that ran initdb keeps that run's memory (~800 MB resident against ~350 MB
  // for the same database opened again, on Node 20), so a thread of its own creates the database.
  if (!(await exists(path.join(databaseDir, 'PG_VERSION')))) await createInWorkerThread(databaseDir, options);
  const db = await PGlite.create(databaseDir, options);
  // The socket server drops connections beyond maxConnections, so it must cover the whole pool.
  const socketServer = new PGliteSessionServer(db, logger, maxConnections);
  try {
    await socketServer.listen(socketPath);
  } catch (error) {
    await db.close();
    throw error;
  }
  logger.info({ databaseDir, socketPath, startupMs: Math.round(performance.now() - startedAt) }, 'embedded PostgreSQL started');

  return {
    socketFolder,
    port: SOCKET_PORT,
    async stop() {
      try {
        // Closing the server also removes the socket file.
        await socketServer.stop();
      } finally {
        // close() checkpoints and flushes PGlite's files to disk.
        await db.close();
      }
      logger.info('embedded PostgreSQL stopped');
    },
  };
}

/**
 * Creates a new database folder (PGlite runs initdb) on a thread that then ends: the memory that run
 * used goes with the thread. The thread's code is plain JavaScript, so it runs the same from source.
 */
async function createInWorkerThread(databaseDir: string, options: PGliteOptions): Promise<void> {
  const pglite = pathToFileURL(createRequire(import.meta.url).resolve('@electric-sql/pglite')).href;
  const worker = new Worker(
    `const { workerData } = require('node:worker_threads');
     import(workerData.pglite).then(({ PGlite }) => PGlite.create(workerData.databaseDir, workerData.options)).then((db) => db.close());`,
    { eval: true, workerData: { pglite, databaseDir, options } },
  );
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`creating the embedded database failed (thread exit code ${code})`))));
  });
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
