import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../support/test-server.js';

const run = promisify(execFile);
const dockerfile = new URL('../../../../Dockerfile', import.meta.url);

/** The exec-form command of the Dockerfile's HEALTHCHECK (`CMD ["node", …]`). */
async function healthcheckCommand(): Promise<string[]> {
  const match = /^HEALTHCHECK\b[^\n]*(?:\\\n[^\n]*)*?\bCMD (\[.*\])$/m.exec(await fs.readFile(dockerfile, 'utf8'));
  if (!match) throw new Error('the Dockerfile has no HEALTHCHECK with an exec-form CMD');
  return JSON.parse(match[1]!) as string[];
}

/** Runs the health check as Docker would in the container, with the server's PORT; its exit code. */
async function healthcheckExitCode(port: number): Promise<number> {
  const [command, ...args] = await healthcheckCommand();
  try {
    await run(command!, args, { env: { ...process.env, PORT: String(port) }, timeout: 30_000 });
    return 0;
  } catch (error) {
    return (error as { code?: number }).code ?? -1;
  }
}

/** A port nothing listens on: one the system gave and took back. */
async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("the container image's HEALTHCHECK", () => {
  const server = useTestServer({ clearBeforeEach: false });

  it('uses node itself (the slim image has no curl) and passes while the server answers /healthz', async () => {
    expect((await healthcheckCommand())[0]).toBe('node');
    expect(await healthcheckExitCode(server.port)).toBe(0);
  });

  it('fails when nothing answers on PORT', async () => {
    expect(await healthcheckExitCode(await closedPort())).toBe(1);
  });
});
