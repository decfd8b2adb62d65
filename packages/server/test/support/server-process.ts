import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The built server entry point: what `pnpm start` runs. Tests that use it need `pnpm build` first. */
export const builtServerEntry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/main.js');

export interface ServerProcess {
  child: ChildProcess;
  /** Log lines (JSON) from stdout and stderr. */
  lines: string[];
  /** Resolves with the base URL once the server logs that it started; rejects if it exits first. */
  started: Promise<string>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Runs the built server (or another built entry point, such as `demo-main.js`) as its own process, as an operator would. */
export function spawnServer(environment: Record<string, string>, entry: string = builtServerEntry): ServerProcess {
  const child = spawn(process.execPath, [entry], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = new Promise<string>((resolve, reject) => {
    const onText = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(line);
        if (line.includes('"server started"')) resolve((JSON.parse(line) as { url: string }).url);
      }
    };
    child.stdout?.on('data', onText);
    child.stderr?.on('data', onText);
    void exited.then((code) => reject(new Error(`server exited with code ${code} before starting:\n${lines.join('\n')}`)));
  });
  started.catch(() => undefined);
  return { child, lines, started, exited };
}

/** The built data folder lock, for tests that hold it from another process. */
const builtLockModule = path.resolve(path.dirname(builtServerEntry), 'database/data-directory-lock.js');

export interface LockHolderOptions {
  /** The lock's stale time (production: 10 s). */
  staleMs: number;
  /** How long the holder blocks its event loop right after taking the lock, as a long synchronous task would. */
  blockMs: number;
  /** How long it then keeps running (its lock refreshing) before releasing the lock and exiting 0. */
  holdMs: number;
}

export interface LockHolderProcess {
  child: ChildProcess;
  /** Output lines; `lost the lock: …` if the lock was compromised (the process then exits 1). */
  lines: string[];
  /** Resolves once the process holds the lock. */
  locked: Promise<void>;
  exited: Promise<number | null>;
}

/** Runs a process that takes the data folder lock of `dataDir` the way the server does. */
export function spawnLockHolder(dataDir: string, { staleMs, blockMs, holdMs }: LockHolderOptions): LockHolderProcess {
  const script = `
    const { lockDataDirectory } = await import(${JSON.stringify(pathToFileURL(builtLockModule).href)});
    const release = await lockDataDirectory(${JSON.stringify(dataDir)}, (error) => {
      console.log('lost the lock: ' + error.message);
      process.exit(1);
    }, ${staleMs});
    console.log('locked');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${blockMs});
    setTimeout(async () => {
      await release();
      process.exit(0);
    }, ${holdMs});`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const locked = new Promise<void>((resolve, reject) => {
    const onText = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(line);
        if (line === 'locked') resolve();
      }
    };
    child.stdout?.on('data', onText);
    child.stderr?.on('data', onText);
    void exited.then((code) => reject(new Error(`lock holder exited with code ${code} before locking:\n${lines.join('\n')}`)));
  });
  locked.catch(() => undefined);
  return { child, lines, locked, exited };
}
