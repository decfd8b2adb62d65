import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerInstances, startServerInstances } from '../support/server-instances.js';
import { testDatabaseKind } from '../support/test-server.js';
import { openSubscription } from '../support/web-socket.js';

/**
 * Two server processes on one PostgreSQL: each listens for the others' notifications (events,
 * rotation progress, ended credentials) on one connection, and when that connection drops, it comes
 * back listening to all of them and reads what it may have missed.
 */
const generateCertificate =
  'mutation($input: GenerateCertificateInput!) { generateCertificate(input: $input) { certificate { id } errors { code } } }';

describe.runIf(testDatabaseKind === 'postgres')('notifications between instances', () => {
  let instances: ServerInstances;
  let database: pg.Client;

  beforeAll(async () => {
    instances = await startServerInstances();
    database = new pg.Client({ connectionString: instances.database.url });
    await database.connect();
  });
  afterAll(async () => {
    await database?.end();
    await instances?.stop();
  });

  /** The instances' connections that wait for notifications: their last statement was a LISTEN. */
  async function listeningConnections(): Promise<{ pid: number; query: string }[]> {
    const { rows } = await database.query<{ pid: number; query: string }>(
      `SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN %'`,
    );
    return rows;
  }

  function makeChange(url: string, commonName: string) {
    return instances.graphqlOn(url)(generateCertificate, {
      input: { commonName, notAfter: new Date(Date.now() + 90 * 86_400_000).toISOString() },
    });
  }

  it('holds one listening connection per instance for every channel', async () => {
    expect(await listeningConnections()).toHaveLength(instances.urls.length);
  });

  it('delivers events made on one instance to the other once its listening connection is back', async () => {
    const [oneUrl, otherUrl] = instances.urls as [string, string];
    const socket = openSubscription(`${otherUrl}/graphql`, { cookie: instances.cookie }, 'subscription { certificateEvents { id } }');
    await socket.subscribed;
    await new Promise((resolve) => setTimeout(resolve, 300));
    await makeChange(oneUrl, 'Before the drop');
    await expect.poll(() => socket.received.length, { timeout: 10_000 }).toBe(1);

    const { rowCount } = await database.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN %'`,
    );
    expect(rowCount).toBe(instances.urls.length);
    // Made while the other instance may not listen yet: it reads the outbox when its connection is back.
    await makeChange(oneUrl, 'During the drop');
    await expect.poll(() => socket.received.length, { timeout: 10_000 }).toBe(2);
    await expect.poll(async () => (await listeningConnections()).length, { timeout: 10_000 }).toBe(instances.urls.length);
    await makeChange(oneUrl, 'After the drop');
    await expect.poll(() => socket.received.length, { timeout: 10_000 }).toBe(3);
    socket.close();
  });
});
