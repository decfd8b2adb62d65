import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { seedOrganization } from '../support/seed.js';
import { testAdmin, useTestServer } from '../support/test-server.js';

const allowedOrigin = 'https://console.example';
const server = useTestServer({ environment: { ALLOWED_ORIGINS: allowedOrigin } });

const webSocketUrl = () => server.graphqlUrl.replace('http:', 'ws:');

/** Opens a graphql-ws socket as an administrator (`Origin` as given, none when undefined); resolves once the server acknowledged it. */
function connect(origin: string | undefined): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(webSocketUrl(), 'graphql-transport-ws', origin === undefined ? {} : { origin });
    socket.once('unexpected-response', (_request, response) => reject(new Error(`handshake refused: ${response.statusCode}`)));
    socket.once('error', reject);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${server.adminToken}` } })));
    socket.once('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string };
      if (message.type === 'connection_ack') resolve(socket);
      else reject(new Error(`unexpected message ${message.type}`));
    });
  });
}

interface Outcome {
  type: 'next' | 'error';
  payload: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } | { message: string; extensions?: { code?: string } }[];
}

/** Runs one operation on an open socket; its first `next` or `error` message. */
function run(socket: WebSocket, query: string): Promise<Outcome> {
  const id = String(Math.random());
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(String(data)) as Outcome & { id: string };
      if (message.id !== id) return;
      socket.off('message', onMessage);
      resolve({ type: message.type, payload: message.payload });
    };
    socket.on('message', onMessage);
    socket.once('close', (code) => reject(new Error(`closed with ${code}`)));
    socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
  });
}

const errorsOf = (outcome: Outcome) => (Array.isArray(outcome.payload) ? outcome.payload : (outcome.payload.errors ?? []));
/** The distinct error codes of an outcome (several limits may refuse one document). */
const codesOf = (outcome: Outcome) => [...new Set(errorsOf(outcome).map((error) => error.extensions?.code))];

describe('WebSocket handshake', () => {
  it('refuses a page of another origin', async () => {
    await expect(connect('http://evil.example')).rejects.toThrow('handshake refused: 403');
  });

  it.each([
    ['the same origin', () => server.url],
    ['an allowed origin', () => allowedOrigin],
    ['no origin (a script, not a browser)', () => undefined],
  ])('accepts %s', async (_name, origin) => {
    const socket = await connect(origin());
    try {
      const outcome = await run(socket, '{ limits { pfxMaxBytes } }');
      expect(outcome).toMatchObject({ type: 'next', payload: { data: { limits: { pfxMaxBytes: expect.any(Number) } } } });
    } finally {
      socket.close();
    }
  });
});

describe('WebSocket messages', () => {
  it('closes the socket on a message over 1 MiB, as HTTP refuses such a body', async () => {
    const socket = await connect(undefined);
    const closed = new Promise<number | 'answered'>((resolve) => {
      socket.once('close', resolve);
      socket.once('message', () => resolve('answered'));
    });
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `{ limits { pfxMaxBytes } } #${'x'.repeat(1024 * 1024)}` } }));
    expect(await closed).toBe(1009);
  });

  it('answers an unexpected failure with INTERNAL_ERROR only, and logs the details', async () => {
    await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', [{ displayName: 'History' }]);
    const socket = await connect(undefined);
    await server.database.dataSource.query('ALTER TABLE certificate_changes RENAME TO certificate_changes_elsewhere');
    try {
      const outcome = await run(socket, '{ organizations { edges { node { backupApplications { certificateHistory { id } } } } } }');
      expect(codesOf(outcome)).toEqual(['INTERNAL_ERROR']);
      expect(JSON.stringify(outcome)).not.toContain('certificate_changes');
      expect(server.logs.some((line) => line.includes('certificate_changes') && line.includes('"level":50'))).toBe(true);
    } finally {
      await server.database.dataSource.query('ALTER TABLE certificate_changes_elsewhere RENAME TO certificate_changes');
      socket.close();
    }
  });

  it('applies the same operation limits as HTTP', async () => {
    const socket = await connect(undefined);
    try {
      const recursive = await run(socket, '{organizations{edges{node{backupApplications{organization{backupApplications{organization{id}}}}}}}}');
      expect(codesOf(recursive)).toEqual(['QUERY_TOO_COMPLEX']);
      const large = await run(socket, `{ certificateStore(${'filter: { usableOnly: true } '.repeat(20_000)}) { id } }`);
      expect(codesOf(large)).toEqual(['QUERY_TOO_LARGE']);
    } finally {
      socket.close();
    }
  });
});

describe('HTTP cross-origin requests', () => {
  const preflight = (origin: string) =>
    fetch(server.graphqlUrl, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });

  it('are not allowed by default', async () => {
    const response = await preflight('http://evil.example');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('are allowed from the configured origins', async () => {
    const response = await preflight(allowedOrigin);
    expect(response.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
  });

  it('let a page of a configured origin send an API token and the session cookie', async () => {
    const response = await fetch(server.graphqlUrl, {
      method: 'OPTIONS',
      headers: { origin: allowedOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(response.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase().split(',')).toEqual(expect.arrayContaining(['authorization']));
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');

    // The answers a browser then lets the page read: with the token, and with the cookie sign-in sets.
    const me = (headers: Record<string, string>) =>
      fetch(server.graphqlUrl, {
        method: 'POST',
        headers: { origin: allowedOrigin, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: '{ me { name } }' }),
      });
    const session = await server.signIn(testAdmin.username, testAdmin.password);
    for (const answer of [await me({ authorization: `Bearer ${server.adminToken}` }), await me({ cookie: session.cookie })]) {
      expect(answer.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
      expect(answer.headers.get('access-control-allow-credentials')).toBe('true');
      expect(answer.headers.get('access-control-expose-headers')?.toLowerCase()).toBe('x-request-id');
      expect((await answer.json()) as unknown).toMatchObject({ data: { me: { name: expect.any(String) } } });
    }
  });

  it('give a page of any other origin no Access-Control-Allow-Origin, with credentials too', async () => {
    // Without it a browser sends the page's request with neither a token nor a cookie, and shows it no answer.
    const response = await fetch(server.graphqlUrl, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const answer = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { origin: 'http://evil.example', 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` },
      body: JSON.stringify({ query: '{ me { name } }' }),
    });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });
});
