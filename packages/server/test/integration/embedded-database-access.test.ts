import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migratedDataDir, startTestServer, type TestServer, testDatabaseKind } from '../support/test-server.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** TCP ports this process listens on: its socket inodes found among the LISTEN rows of /proc/net/tcp{,6}. */
async function listeningTcpPorts(): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await fs.readdir('/proc/self/fd')) {
    const target = await fs.readlink(`/proc/self/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode) inodes.add(inode);
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const row of (await fs.readFile(table, 'utf8')).trim().split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const [, localAddress = '', , state, , , , , , inode = ''] = row.trim().split(/\s+/);
      if (state === '0A' && inodes.has(inode)) ports.push(Number.parseInt(localAddress.split(':')[1] ?? '', 16));
    }
  }
  return ports.sort((a, b) => a - b);
}

/** Where the server's database connections go: a Unix socket path, or a TCP host and port. */
function databaseAddress(server: TestServer): { path: string } | { host: string; port: number } {
  const options = server.database.dataSource.options;
  if (options.type !== 'postgres' || !options.host || !options.port) throw new Error('expected postgres connection options');
  // pg's rule: a host starting with "/" is the folder of the socket `.s.PGSQL.<port>`.
  return options.host.startsWith('/') ? { path: path.join(options.host, `.s.PGSQL.${options.port}`) } : { host: options.host, port: options.port };
}

/** Opens `count` connections to `address` as the unprivileged user `nobody`, keeping them open; reports how each went. */
async function connectAsAnotherUser(address: ReturnType<typeof databaseAddress>, count: number): Promise<string[]> {
  const script = `
    const net = require('node:net');
    const outcomes = Array.from({ length: ${count} }, () => new Promise((resolve) => {
      const socket = net.connect(${JSON.stringify(address)});
      socket.once('connect', () => resolve('connected'));
      socket.once('error', (error) => resolve(error.code));
    }));
    Promise.all(outcomes).then((results) => console.log(JSON.stringify(results)));
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { uid: 65534, gid: 65534, cwd: '/', env: {}, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  cleanups.push(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  const firstLine = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.includes('\n')) resolve(text.split('\n')[0]!);
    });
    void exited.then(() => reject(new Error('the connecting process exited early')));
  });
  return JSON.parse(firstLine) as string[];
}

describe.runIf(testDatabaseKind === 'embedded')('access to the embedded database', () => {
  it('opens no TCP port: the HTTP port is the only one the server listens on', async () => {
    const before = await listeningTcpPorts();
    const server = await startTestServer();
    cleanups.push(() => server.dispose());

    const opened = (await listeningTcpPorts()).filter((port) => !before.includes(port));
    expect(opened).toEqual([server.port]);
  });

  it('serves it on a Unix socket in a folder only the server user can enter', async () => {
    const server = await startTestServer();
    cleanups.push(() => server.dispose());

    const address = databaseAddress(server);
    expect(address).toHaveProperty('path');
    const socketPath = (address as { path: string }).path;
    const socketFolder = path.dirname(socketPath);
    expect(path.dirname(socketFolder)).toBe(server.dataDir);
    expect((await fs.stat(socketFolder)).mode & 0o777).toBe(0o700);
    expect((await fs.stat(socketPath)).isSocket()).toBe(true);
  });

  it.runIf(process.getuid?.() === 0)('keeps other local users out, so their idle connections cannot starve the API', async () => {
    // A data folder others may enter: the socket's own folder must be what keeps them out.
    const dataDir = await migratedDataDir('bam-access-');
    cleanups.push(() => fs.rm(dataDir, { recursive: true, force: true }));
    await fs.chmod(dataDir, 0o755);
    const server = await startTestServer({ dataDir });
    cleanups.push(() => server.dispose());

    const outcomes = await connectAsAnotherUser(databaseAddress(server), 12);
    expect(outcomes).toEqual(Array.from({ length: 12 }, () => 'EACCES'));

    const responses = await Promise.all(Array.from({ length: 12 }, () => server.graphql('{ organizations { edges { node { name } } } }')));
    for (const response of responses) expect(response.data).toEqual({ organizations: { edges: [] } });
  });

  it('refuses a data folder whose socket path a Unix socket cannot hold, rather than cutting it short', async () => {
    const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'bam-access-'));
    cleanups.push(() => fs.rm(parent, { recursive: true, force: true }));
    const dataDir = path.join(parent, 'a-data-folder-name-long-enough-to-push-the-socket-past-the-limit');

    await expect(startTestServer({ dataDir })).rejects.toThrow(/socket path .* is longer than the 103 bytes .*: set DATA_DIR to a shorter folder/);
  });

  it('removes a socket file left by a crashed run', async () => {
    const first = await startTestServer();
    cleanups.push(() => first.dispose());
    const socketPath = (databaseAddress(first) as { path: string }).path;
    await first.stop();
    // A crash leaves the socket file behind; stop() removes it, so put one back.
    await fs.writeFile(socketPath, '');

    const second = await startTestServer({ dataDir: first.dataDir });
    cleanups.push(() => second.stop());
    expect((await fs.stat(socketPath)).isSocket()).toBe(true);
    expect((await second.graphql('{ organizations { edges { node { name } } } }')).data).toEqual({ organizations: { edges: [] } });
  });
});
