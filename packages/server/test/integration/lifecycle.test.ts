import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appPersistence } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { DataDirectoryLockedError, lockDataDirectory } from '../../src/database/data-directory-lock.js';
import { openDatabase } from '../../src/database/database.js';
import { createLogger } from '../../src/logging/logger.js';
import { Organization } from '../../src/organizations/organization.entity.js';
import { builtServerEntry, spawnLockHolder, spawnServer } from '../support/server-process.js';
import { seedOrganization } from '../support/seed.js';
import { demoAccounts } from '../../src/demo/demo-accounts.js';
import { signInCookie } from '../support/sign-in.js';
import { createTestDatabase } from '../support/test-database.js';
import { migratedDataDir, startTestServer, testAdmin, testDatabaseKind } from '../support/test-server.js';

/** The `start:demo` launcher, built beside the server. */
const demoServerEntry = path.join(path.dirname(builtServerEntry), 'demo-main.js');

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An empty data folder, or with `migrated` one holding the migrated embedded database, where the test is not about a first start. */
async function temporaryDataDir({ migrated = false } = {}): Promise<string> {
  const dataDir = migrated ? await migratedDataDir('bam-lifecycle-') : await fs.mkdtemp(path.join(os.tmpdir(), 'bam-lifecycle-'));
  cleanups.push(() => fs.rm(dataDir, { recursive: true, force: true }));
  return dataDir;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const demoViewer = demoAccounts.find((account) => account.role === 'VIEWER')!;

async function organizationNames(url: string, account: { username: string; password: string } = demoViewer): Promise<string[]> {
  const cookie = await signInCookie(url, account.username, account.password);
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ query: '{ organizations { edges { node { name } } } }' }),
  });
  const body = (await response.json()) as { data: { organizations: { edges: { node: { name: string } }[] } } };
  return body.data.organizations.edges.map((edge) => edge.node.name);
}

describe.runIf(testDatabaseKind === 'embedded')('the embedded database', () => {
  it('keeps its data across a restart', async () => {
    const dataDir = await temporaryDataDir({ migrated: true });
    const first = await startTestServer({ dataDir });
    await seedOrganization(first.database.dataSource, 'contoso.onmicrosoft.com', [{ displayName: 'Kept' }]);
    await first.dispose();

    const second = await startTestServer({ dataDir });
    cleanups.push(() => second.dispose());
    const { data } = await second.graphql<{ organizations: { edges: { node: { name: string; backupApplications: { displayName: string }[] } }[] } }>(
      '{ organizations { edges { node { name backupApplications { displayName } } } } }',
    );
    expect(data!.organizations.edges.map((edge) => edge.node)).toEqual([
      { name: 'contoso.onmicrosoft.com', backupApplications: [{ displayName: 'Kept' }] },
    ]);
  });

  it('still closes PGlite and frees the folder when an earlier closing step fails', async () => {
    const config = loadConfig({ DATA_DIR: await temporaryDataDir({ migrated: true }) });
    const logger = createLogger('silent');
    const first = await openDatabase(config, logger, appPersistence(), () => undefined);
    await seedOrganization(first.dataSource, 'contoso.onmicrosoft.com', []);
    // With its pool already closed, close() fails at its first step.
    await first.dataSource.destroy();
    await expect(first.close()).rejects.toThrow();

    const second = await openDatabase(config, logger, appPersistence(), () => undefined);
    cleanups.push(() => second.close());
    const organizations = await second.dataSource.getRepository(Organization).find();
    expect(organizations.map((organization) => organization.name)).toEqual(['contoso.onmicrosoft.com']);
  });

  it('refuses to open a data folder another process is using, with a clear error', async () => {
    const dataDir = await temporaryDataDir({ migrated: true });
    const running = await startTestServer({ dataDir });
    cleanups.push(() => running.dispose());

    const second = spawnServer({ DATA_DIR: dataDir });
    expect(await second.exited).toBe(1);
    const output = second.lines.join('\n');
    expect(output).toContain(`The data folder ${dataDir} is in use by another Backup Applications Manager process`);
    expect(await organizationNames(running.url, testAdmin)).toEqual([]);
  });

  it('keeps the folder locked while its owner lives, even when its event loop stalls past the stale time', async () => {
    const dataDir = await temporaryDataDir();
    const staleMs = 2_000;
    const holder = spawnLockHolder(dataDir, { staleMs, blockMs: staleMs * 3, holdMs: staleMs * 2 });
    cleanups.push(async () => {
      holder.child.kill('SIGKILL');
      await holder.exited;
    });
    await holder.locked;
    // The holder cannot refresh its lock while blocked: by now the lock looks stale.
    await sleep(staleMs * 1.5);

    const secondOpen = lockDataDirectory(dataDir, () => undefined, staleMs);
    cleanups.push(() =>
      secondOpen.then(
        (release) => release(),
        () => undefined,
      ),
    );
    await expect(secondOpen).rejects.toThrow(DataDirectoryLockedError);
    // Once its event loop runs again, the holder still has its lock and releases it normally.
    expect(await holder.exited).toBe(0);
    expect(holder.lines).toEqual(['locked']);
  });

  it('takes over the lock left by an owner that was killed', async () => {
    const dataDir = await temporaryDataDir();
    const staleMs = 2_000;
    const holder = spawnLockHolder(dataDir, { staleMs, blockMs: 0, holdMs: 60_000 });
    await holder.locked;
    holder.child.kill('SIGKILL');
    await holder.exited;
    await sleep(staleMs * 1.5);

    const release = await lockDataDirectory(dataDir, () => undefined, staleMs);
    await release();
  });

  it('shuts down cleanly on SIGTERM, releasing the folder for the next start', async () => {
    const dataDir = await temporaryDataDir();
    // From nothing, as the quick start's first run: initdb, every migration and the demo data.
    const first = spawnServer({ DATA_DIR: dataDir, DEMO_DATA: 'true' });
    const url = await first.started;
    expect(await organizationNames(url)).toContain('contoso.onmicrosoft.com');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.lines.some((line) => line.includes('"server stopped"'))).toBe(true);

    const second = spawnServer({ DATA_DIR: dataDir });
    cleanups.push(async () => {
      second.child.kill('SIGTERM');
      await second.exited;
    });
    expect(await organizationNames(await second.started)).toEqual([
      'contoso.onmicrosoft.com',
      'fabrikam.onmicrosoft.com',
      'northwindtraders.onmicrosoft.com',
    ]);
  });
});

describe.runIf(testDatabaseKind === 'postgres')('start-up and shutdown', () => {
  it('stops with a message naming each invalid setting', async () => {
    const server = spawnServer({ PORT: 'eighty', LOG_LEVEL: 'chatty', DATABASE_URL: 'mysql://somewhere' });
    expect(await server.exited).toBe(1);
    const output = server.lines.join('\n');
    expect(output).toContain('Invalid configuration');
    for (const setting of ['PORT', 'LOG_LEVEL', 'DATABASE_URL']) expect(output).toContain(`${setting}:`);
  });

  it('gives up within a bounded time when the PostgreSQL server never answers, saying so', async () => {
    // Accepts connections and never replies: a firewall that drops packets, a hung server.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });
    const { port } = silent.address() as net.AddressInfo;

    const startedAt = Date.now();
    const server = spawnServer({ DATABASE_URL: `postgres://bam:secret@127.0.0.1:${port}/bam`, DATA_DIR: await temporaryDataDir() });
    cleanups.push(async () => {
      server.child.kill('SIGKILL');
      await server.exited;
    });
    expect(await server.exited).toBe(1);
    expect(Date.now() - startedAt).toBeLessThan(30_000);
    expect(sockets.size).toBeGreaterThan(0);
    const fatal = server.lines.map((line) => JSON.parse(line) as { level: number; msg: string }).find((line) => line.level === 60);
    expect(fatal?.msg).toMatch(new RegExp(`^DATABASE_URL: could not connect to PostgreSQL at 127\\.0\\.0\\.1:${port}: .*timeout`));
    expect(server.lines.join('\n')).not.toContain('secret');
  });

  it('start:demo signs in the demo accounts and connects the demo organizations through the Entra emulator', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const dataDir = await temporaryDataDir();
    const demo = spawnServer({ DATABASE_URL: database.url, DATA_DIR: dataDir, DEMO_ENTRA_EMULATOR_PORT: '0' }, demoServerEntry);
    cleanups.push(async () => {
      demo.child.kill('SIGTERM');
      await demo.exited;
    });
    const url = await demo.started;
    const admin = demoAccounts.find((account) => account.role === 'ADMINISTRATOR')!;
    const cookie = await signInCookie(url, admin.username, admin.password);
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ query: '{ organizations { edges { node { name entraConnected } } } }' }),
    });
    const body = (await response.json()) as { data: { organizations: { edges: { node: { name: string; entraConnected: boolean } }[] } } };
    expect(body.data.organizations.edges.map((edge) => edge.node)).toEqual([
      { name: 'contoso.onmicrosoft.com', entraConnected: true },
      { name: 'fabrikam.onmicrosoft.com', entraConnected: true },
      { name: 'northwindtraders.onmicrosoft.com', entraConnected: true },
    ]);
  });

  it('starts several instances together on an empty database: they take turns on the schema', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const dataDir = await temporaryDataDir();
    const servers = Array.from({ length: 3 }, () => spawnServer({ DATABASE_URL: database.url, DEMO_DATA: 'true', DATA_DIR: dataDir }));
    cleanups.push(async () => {
      for (const server of servers) server.child.kill('SIGKILL');
      await Promise.all(servers.map((server) => server.exited));
    });
    const urls = await Promise.all(servers.map((server) => server.started));
    for (const url of urls) expect(await organizationNames(url)).toHaveLength(3);
    // One of them created the schema; the others found it done.
    const updated = servers.filter((server) => server.lines.some((line) => line.includes('"database schema updated"')));
    expect(updated).toHaveLength(1);
  });

  it('finishes an in-flight request on SIGTERM before exiting', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const server = spawnServer({ DATABASE_URL: database.url, DEMO_DATA: 'true', DATA_DIR: await temporaryDataDir() });
    const url = new URL(await server.started);
    const cookie = await signInCookie(url.href, demoViewer.username, demoViewer.password);

    // A request whose body is still arriving when the signal comes: the server must wait for it.
    const body = JSON.stringify({ query: '{ organizations { edges { node { name } } } }' });
    const request = http.request({
      host: url.hostname,
      port: url.port,
      path: '/graphql',
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        cookie,
      },
    });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      request.on('response', (incoming) => {
        let text = '';
        incoming.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, text }));
      });
      request.on('error', reject);
    });
    request.write(body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 300));
    server.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    request.end(body.slice(10));

    const { status, text } = await response;
    expect(status).toBe(200);
    expect(JSON.parse(text).data.organizations.edges).toHaveLength(3);
    expect(await server.exited).toBe(0);
  });
});
