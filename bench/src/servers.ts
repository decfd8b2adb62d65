import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnServer } from '@bam/server/test/support/server-process.js';
import { createTestDatabase, type TestDatabase } from '@bam/server/test/support/test-database.js';
import { benchAdministratorEnvironment, signIn } from './load.js';

export interface RunningProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** The built server as an operator starts it (default log level), on PostgreSQL (`databaseUrl`) or the embedded database. */
export async function startProjectServer(options: { databaseUrl?: string; environment?: Record<string, string> } = {}): Promise<RunningProcess> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bam-bench-'));
  const server = spawnServer({
    DATA_DIR: dataDir,
    ...benchAdministratorEnvironment,
    ...(options.databaseUrl && { DATABASE_URL: options.databaseUrl }),
    ...options.environment,
  });
  try {
    const url = await server.started;
    await signIn(url, { demo: options.environment?.DEMO_DATA === 'true' });
    return {
      url,
      pid: server.child.pid!,
      async stop() {
        await stopChild(server.child);
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

const baselineEntries = {
  read: fileURLToPath(new URL('./baseline/graphql-baseline-server.ts', import.meta.url)),
  broadcast: fileURLToPath(new URL('./baseline/broadcast-server.ts', import.meta.url)),
};

/**
 * A baseline as its own process: the read baseline (node:http + graphql-js, on `databaseUrl`) or the
 * fan-out one (a plain `ws` broadcast).
 */
export async function startBaselineServer(databaseUrl: string, kind: keyof typeof baselineEntries = 'read'): Promise<RunningProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', baselineEntries[kind]], {
    cwd: path.dirname(fileURLToPath(import.meta.url)),
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /listening (\d+)/.exec(chunk.toString('utf8'));
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the baseline server exited with code ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => stopChild(child) };
}

/** A fresh PostgreSQL database for one bench run, dropped afterwards. */
export function createBenchDatabase(): Promise<TestDatabase> {
  return createTestDatabase();
}
