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
