import type { FormattedExecutionResult } from 'graphql';
import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { seedOrganization } from '../support/seed.js';
import { useTestServer } from '../support/test-server.js';

const server = useTestServer();

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function post(query: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(server.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}`, ...headers },
    body: JSON.stringify({ query }),
  });
}

/** The log lines that name the request id. */
const linesOf = (requestId: string) =>
  server.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.requestId === requestId);

describe('request ids', () => {
  it('gives every HTTP request a new id, returned in X-Request-Id and on its log lines', async () => {
    const [first, second] = [await post('{ me { name } }'), await post('{ me { name } }')];
    const [firstId, secondId] = [first.headers.get('x-request-id'), second.headers.get('x-request-id')];
    expect(firstId).toMatch(uuid);
    expect(secondId).toMatch(uuid);
    expect(firstId).not.toBe(secondId);
    // The test server logs at debug level: one line per GraphQL operation.
    expect(linesOf(firstId!)).toEqual([expect.objectContaining({ msg: 'graphql operation' })]);

    const page = await fetch(`${server.url}/healthz`);
    expect(page.headers.get('x-request-id')).toMatch(uuid);
  });

  it("keeps a proxy's well-formed X-Request-Id, and replaces one that is too long or not plain text", async () => {
    const kept = await post('{ me { name } }', { 'x-request-id': 'edge-7f3a9c:01' });
    expect(kept.headers.get('x-request-id')).toBe('edge-7f3a9c:01');
    expect(linesOf('edge-7f3a9c:01')).toHaveLength(1);

    for (const incoming of ['x'.repeat(65), 'has space', '"quoted"', 'a\u00e9b', '']) {
      const replaced = await post('{ me { name } }', { 'x-request-id': incoming });
      expect(replaced.headers.get('x-request-id'), incoming).toMatch(uuid);
      expect(linesOf(incoming)).toEqual([]);
    }
  });

  it('names the request id in an INTERNAL_ERROR, so its log line can be found', async () => {
    await withHistoryTableMissing(async () => {
      const response = await post(failingQuery);
      const requestId = response.headers.get('x-request-id')!;
      const body = (await response.json()) as { errors: { extensions: Record<string, unknown> }[] };
      expect(body.errors[0]!.extensions).toEqual({ code: 'INTERNAL_ERROR', requestId });
      expect(linesOf(requestId)).toContainEqual(expect.objectContaining({ level: 50, msg: 'unexpected error while executing an operation' }));
    });
  });

  it('gives every WebSocket operation an id of its own, on its log lines and in an INTERNAL_ERROR', async () => {
    const client = createClient({
      url: server.graphqlUrl.replace('http:', 'ws:'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${server.adminToken}` },
    });
    try {
      await withHistoryTableMissing(async () => {
        // Two operations on one socket.
        const results = await Promise.all([
          firstResultOf(client.iterate({ query: failingQuery })),
          firstResultOf(client.iterate({ query: failingQuery })),
        ]);
        const [firstId, secondId] = results.map(({ errors }) => {
          expect(errors?.[0]?.extensions).toEqual({ code: 'INTERNAL_ERROR', requestId: expect.stringMatching(uuid) as unknown });
          return errors![0]!.extensions!.requestId as string;
        });
        expect(firstId).not.toBe(secondId);
        for (const requestId of [firstId!, secondId!]) {
          expect(linesOf(requestId)).toContainEqual(expect.objectContaining({ level: 50, msg: 'unexpected error while executing an operation' }));
        }
      });
    } finally {
      await client.dispose();
    }
  });
});

/** A query whose execution fails unexpectedly while the certificate history's table is away. */
const failingQuery = '{ organizations { edges { node { backupApplications { certificateHistory { id } } } } } }';

async function withHistoryTableMissing(run: () => Promise<void>): Promise<void> {
  await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', [{ displayName: 'History' }]);
  await server.database.dataSource.query('ALTER TABLE certificate_changes RENAME TO certificate_changes_elsewhere');
  try {
    await run();
  } finally {
    await server.database.dataSource.query('ALTER TABLE certificate_changes_elsewhere RENAME TO certificate_changes');
  }
}

async function firstResultOf(results: AsyncIterableIterator<FormattedExecutionResult>): Promise<FormattedExecutionResult> {
  const { value } = await results.next();
  await results.return?.();
  return value as FormattedExecutionResult;
}
