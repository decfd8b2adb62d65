import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Logger } from '../logging/logger.js';

export interface EmbeddedPostgres {
  host: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts PGlite on disk and serves it on a free loopback port, so the ordinary postgres driver —
 * the same code path as a real PostgreSQL server — talks to it. The caller holds the data folder lock.
 */
export async function startEmbeddedPostgres(dataDir: string, maxConnections: number, logger: Logger): Promise<EmbeddedPostgres> {
  const databaseDir = path.join(dataDir, 'postgres');
  const startedAt = performance.now();
  const db = await PGlite.create(databaseDir);
  // The socket server resets connections beyond maxConnections, so it must cover the whole pool.
  const socketServer = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
  await socketServer.start();
  const [host = '127.0.0.1', port = ''] = socketServer.getServerConn().split(':');
  logger.info({ databaseDir, startupMs: Math.round(performance.now() - startedAt) }, 'embedded PostgreSQL started');

  return {
    host,
    port: Number(port),
    async stop() {
      await socketServer.stop();
      // close() checkpoints and flushes PGlite's files to disk.
      await db.close();
      logger.info('embedded PostgreSQL stopped');
    },
  };
}
