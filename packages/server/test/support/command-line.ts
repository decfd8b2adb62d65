import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { builtServerEntry } from './server-process.js';

/** The built operator command line: what an operator runs. Tests that use it need `pnpm build` first. */
export const builtCommandLine = path.join(path.dirname(builtServerEntry), 'cli.js');

export interface CommandOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built command line with `args`, as an operator would, in `environment` alone (and PATH), with `input` on
 * its standard input; resolves with its exit code and output, also when it fails.
 */
export async function runCommandLine(args: string[], environment: Record<string, string> = {}, input?: string): Promise<CommandOutcome> {
  const running = promisify(execFile)(process.execPath, [builtCommandLine, ...args], { env: { PATH: process.env.PATH ?? '', ...environment } });
  if (input !== undefined) running.child.stdin?.end(input);
  try {
    const { stdout, stderr } = await running;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as CommandOutcome;
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}
