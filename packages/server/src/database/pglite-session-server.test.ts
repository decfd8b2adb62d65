import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

it('answers every client its own results while other clients come and go', async () => {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bam-session-server-'));
  const database = await startEmbeddedPostgres(dataDir, 10, createLogger('silent'));
  const connection = { host: database.socketFolder, port: database.port, user: 'postgres', database: 'postgres' };
  const pool = new pg.Pool({ ...connection, max: 2 });
  const failures: string[] = [];
  pool.on('error', (error) => failures.push(error.message));
  let reading = true;
  let reads = 0;
  const reader = (async () => {
    for (; reading; reads += 1) {
      const { rows } = await pool.query<{ value: number }>('SELECT $1::int AS value', [reads]);
      if (rows[0]?.value !== reads) failures.push(`read ${reads} answered ${JSON.stringify(rows)}`);
    }
  })();
  try {
    // Each client that leaves once made the session server hand PGlite's answer to its reset to the reader.
    for (let visit = 0; visit < 20; visit += 1) {
      const visitor = new pg.Client(connection);
      await visitor.connect();
      await visitor.query('SELECT 1');
      await visitor.end();
    }
  } finally {
    reading = false;
    await reader.catch((error: Error) => failures.push(error.message));
    await pool.end();
    await database.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
  expect(failures).toEqual([]);
  expect(reads).toBeGreaterThan(0);
  // Starting PGlite alone takes seconds, several times more on a loaded machine.
}, 60_000);
