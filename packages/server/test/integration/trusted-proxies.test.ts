import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type TestServer, testAdmin, useTestServer } from '../support/test-server.js';

const signIn = 'mutation SignIn($input: SignInInput!) { signIn(input: $input) { errors { code } } }';

/** Signs in over HTTP with the headers a reverse proxy adds; the response. */
function postSignIn(server: TestServer, username: string, password: string, headers: Record<string, string>): Promise<Response> {
  return fetch(server.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: signIn, variables: { input: { username, password } } }),
  });
}

async function signInCode(server: TestServer, username: string, password: string, headers: Record<string, string>): Promise<string | null> {
  const body = (await (await postSignIn(server, username, password, headers)).json()) as { data: { signIn: { errors: { code: string }[] } } };
  return body.data.signIn.errors[0]?.code ?? null;
}

/** The addresses of the audit log's entries of that action, newest first. */
async function auditedAddresses(server: TestServer, action: string): Promise<(string | null)[]> {
  const { data } = await server.graphql<{ auditLog: { edges: { node: { clientIp: string | null } }[] } }>(
    `{ auditLog(filter: { actions: [${action}] }) { edges { node { clientIp } } } }`,
  );
  return data!.auditLog.edges.map(({ node }) => node.clientIp);
}

/** Creates an API token over graphql-ws, on a socket whose upgrade request carries `headers`. */
function createTokenOverWebSocket(server: TestServer, headers: Record<string, string>): Promise<unknown> {
  const socket = new WebSocket(server.graphqlUrl.replace('http:', 'ws:'), 'graphql-transport-ws', { headers });
  const query = 'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { errors { code } } }';
  const input = { name: 'over a socket', role: 'VIEWER', organizationIds: null, expiresAt: new Date(Date.now() + 86_400_000).toISOString() };
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', (code) => reject(new Error(`closed with ${code}`)));
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${server.adminToken}` } })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; payload?: unknown };
      if (message.type === 'connection_ack') socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables: { input } } }));
      else if (message.type === 'next') {
        socket.removeAllListeners('close');
        socket.close();
        resolve(message.payload);
      }
    });
  });
}

/** The status of a WebSocket upgrade sent with `headers`: 101 when accepted. */
function upgradeStatus(server: TestServer, headers: Record<string, string>): Promise<number> {
  const socket = new WebSocket(server.graphqlUrl.replace('http:', 'ws:'), 'graphql-transport-ws', { headers });
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

// The proxy serves the console at https://bam.example.com and sends its own Host to the server (nginx's default).
const consoleBehindProxy = { origin: 'https://bam.example.com', 'x-forwarded-host': 'bam.example.com', 'x-forwarded-proto': 'https' };

// The test client connects from 127.0.0.1, so `loopback` makes it the trusted proxy.
describe('behind a trusted reverse proxy (TRUST_PROXY)', () => {
  const server = useTestServer({
    environment: { TRUST_PROXY: 'loopback', SIGN_IN_MAX_FAILURES_PER_USERNAME: '100', SIGN_IN_MAX_FAILURES_PER_IP: '3' },
  });

  it('marks the session cookie Secure when the proxy received the request over TLS', async () => {
    const overTls = await postSignIn(server, testAdmin.username, testAdmin.password, { 'x-forwarded-proto': 'https' });
    expect(overTls.headers.getSetCookie()[0]).toMatch(/; Secure/);
    const plain = await postSignIn(server, testAdmin.username, testAdmin.password, { 'x-forwarded-proto': 'http' });
    expect(plain.headers.getSetCookie()[0]).not.toMatch(/; Secure/);
  });

  it('throttles and audits each client address the proxy forwards, not the proxy', async () => {
    const first = { 'x-forwarded-for': '203.0.113.1' };
    for (const username of ['alice', 'bob', 'carol']) expect(await signInCode(server, username, 'guess', first)).toBe('INVALID_CREDENTIALS');
    expect(await signInCode(server, 'dave', 'guess', first)).toBe('SIGN_IN_THROTTLED');
    // Another client behind the same proxy is not throttled with the first.
    expect(await signInCode(server, 'erin', 'guess', { 'x-forwarded-for': '203.0.113.2' })).toBe('INVALID_CREDENTIALS');

    expect(await auditedAddresses(server, 'SIGN_IN_FAILED')).toEqual(['203.0.113.2', '203.0.113.1', '203.0.113.1', '203.0.113.1']);
    expect(await auditedAddresses(server, 'SIGN_IN_THROTTLED')).toEqual(['203.0.113.1']);
  });

  it("lets the console's own WebSocket in when the proxy forwards the host the browser used", async () => {
    expect(await upgradeStatus(server, consoleBehindProxy)).toBe(101);
    expect(await upgradeStatus(server, { ...consoleBehindProxy, 'x-forwarded-host': 'elsewhere.example.com' })).toBe(403);
  });

  it('audits changes made over a WebSocket with the forwarded client address', async () => {
    expect(await createTokenOverWebSocket(server, { 'x-forwarded-for': '198.51.100.7' })).toEqual({ data: { createApiToken: { errors: [] } } });
    expect((await auditedAddresses(server, 'API_TOKEN_CREATED'))[0]).toBe('198.51.100.7');
  });
});

describe('exposed directly (TRUST_PROXY unset)', () => {
  const server = useTestServer({ environment: { SIGN_IN_MAX_FAILURES_PER_USERNAME: '100', SIGN_IN_MAX_FAILURES_PER_IP: '3' } });

  it('ignores X-Forwarded-Proto: the cookie is Secure only over TLS to the server itself', async () => {
    const response = await postSignIn(server, testAdmin.username, testAdmin.password, { 'x-forwarded-proto': 'https' });
    expect(response.headers.getSetCookie()[0]).not.toMatch(/; Secure/);
  });

  it('ignores X-Forwarded-For: a client cannot escape the throttle or the audit log by naming another address', async () => {
    for (const [index, username] of ['alice', 'bob', 'carol'].entries()) {
      expect(await signInCode(server, username, 'guess', { 'x-forwarded-for': `203.0.113.${index + 1}` })).toBe('INVALID_CREDENTIALS');
    }
    expect(await signInCode(server, 'dave', 'guess', { 'x-forwarded-for': '203.0.113.99' })).toBe('SIGN_IN_THROTTLED');
    expect(await auditedAddresses(server, 'SIGN_IN_FAILED')).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
  });

  it('ignores X-Forwarded-Host: a page of another site cannot pass for one of this server', async () => {
    expect(await upgradeStatus(server, consoleBehindProxy)).toBe(403);
  });

  it('audits changes made over a WebSocket with the address of the connection', async () => {
    expect(await createTokenOverWebSocket(server, { 'x-forwarded-for': '198.51.100.7' })).toEqual({ data: { createApiToken: { errors: [] } } });
    expect((await auditedAddresses(server, 'API_TOKEN_CREATED'))[0]).toBe('127.0.0.1');
  });
});
