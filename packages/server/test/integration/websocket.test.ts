import { createClient } from 'graphql-ws';
import { beforeEach, expect, it } from 'vitest';
import WebSocket from 'ws';
import { seedOrganization } from '../support/seed.js';
import { useTestServer } from '../support/test-server.js';

const server = useTestServer();

beforeEach(async () => {
  await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', [{ displayName: 'Over WebSocket' }]);
});

it('serves GraphQL over WebSocket (graphql-ws protocol) on the same path as HTTP', async () => {
  const client = createClient({
    url: server.graphqlUrl.replace('http:', 'ws:'),
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${server.adminToken}` },
  });
  try {
    const result = await new Promise((resolve, reject) => {
      let value: unknown;
      client.subscribe(
        { query: '{ organizations { edges { node { name backupApplications { displayName } } } } }' },
        { next: (data) => (value = data), error: reject, complete: () => resolve(value) },
      );
    });
    expect(result).toEqual({
      data: { organizations: { edges: [{ node: { name: 'contoso.onmicrosoft.com', backupApplications: [{ displayName: 'Over WebSocket' }] } }] } },
    });
  } finally {
    await client.dispose();
  }
});

it('writes each subscription event as a graphql-ws `next` message to its operation id, and nothing after the client completes it', async () => {
  const socket = new WebSocket(server.graphqlUrl.replace('http:', 'ws:'), 'graphql-transport-ws');
  const received: string[] = [];
  socket.on('message', (data) => received.push(String(data)));
  await new Promise((resolve) => socket.once('open', resolve));
  const send = (message: object) => socket.send(JSON.stringify(message));
  const nexts = (id: string) => received.filter((text) => (JSON.parse(text) as { id?: string; type: string }).id === id);
  const settled = () => new Promise((resolve) => setTimeout(resolve, 300));
  const recordEvent = (commonName: string) =>
    server.graphql('mutation($input: GenerateCertificateInput!) { generateCertificate(input: $input) { errors { code } } }', {
      input: { commonName, notAfter: new Date(Date.now() + 90 * 24 * 3600 * 1000).toISOString() },
    });
  try {
    send({ type: 'connection_init', payload: { authorization: `Bearer ${server.adminToken}` } });
    await settled();
    expect(received).toEqual(['{"type":"connection_ack"}']);
    // Two operations of one document on one socket: one shared result, written to each id.
    const query = 'subscription { certificateEvents { type actor } }';
    send({ id: 'first', type: 'subscribe', payload: { query } });
    send({ id: 'second', type: 'subscribe', payload: { query } });
    // `subscribe` is not acknowledged: record events until both operations are live.
    for (let attempt = 0; nexts('first').length === 0 || nexts('second').length === 0; attempt += 1) {
      expect(attempt).toBeLessThan(20);
      await recordEvent(`live-${attempt}.example.com`);
      await settled();
    }
    const [first, second] = [nexts('first').at(-1)!, nexts('second').at(-1)!];
    const payload = { data: { certificateEvents: { type: 'STORE_CERTIFICATE_GENERATED', actor: expect.any(String) } } };
    expect(JSON.parse(first)).toEqual({ id: 'first', type: 'next', payload });
    // Byte for byte what graphql-ws writes (its keys in its order).
    expect(first).toBe(JSON.stringify({ id: 'first', type: 'next', payload: (JSON.parse(first) as { payload: object }).payload }));
    expect(second).toBe(first.replace('"first"', '"second"'));

    send({ id: 'first', type: 'complete' });
    await settled();
    const before = { first: nexts('first').length, second: nexts('second').length };
    await recordEvent('after-complete.example.com');
    await settled();
    expect(nexts('first')).toHaveLength(before.first);
    expect(nexts('second')).toHaveLength(before.second + 1);
  } finally {
    socket.close();
  }
});
