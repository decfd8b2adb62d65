import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** Runs the built server as its own process, as an operator would. */
export function spawnServer(environment: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, [builtServerEntry], {
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
