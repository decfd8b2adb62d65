import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { errorMessages } from '@bam/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../../src/common/actor.js';
import { spawnServer } from '../support/server-process.js';
import { signInCookie } from '../support/sign-in.js';
import { createTestDatabase } from '../support/test-database.js';
import { type Credential, credentialHeaders, migratedDataDir, testAdmin, testDatabaseKind, useTestServer } from '../support/test-server.js';
import { graphqlOverWebSocket } from '../support/web-socket.js';

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

interface Request {
  query: string;
  operationName?: string;
  variables?: Record<string, unknown>;
}

/** One operation over real HTTP to `graphqlUrl`, POST (JSON body) or GET (query string), with the credential given. */
async function send(graphqlUrl: string, method: 'POST' | 'GET', credential: Credential, request: Request): Promise<Answer> {
  // A JSON content type on GET too: Apollo's CSRF prevention refuses a GET without a non-simple header.
  const headers = { 'content-type': 'application/json', ...credentialHeaders(credential) };
  const parameters = new URLSearchParams({ query: request.query });
  if (request.operationName) parameters.set('operationName', request.operationName);
  if (request.variables) parameters.set('variables', JSON.stringify(request.variables));
  const response =
    method === 'POST'
      ? await fetch(graphqlUrl, { method, headers, body: JSON.stringify(request) })
      : await fetch(`${graphqlUrl}?${parameters}`, { headers });
  return { status: response.status, body: JSON.parse(await response.text()) as Answer['body'] };
}

/** Log lines that are not JSON, and those at error level (50) or above: an operator's log holds neither for a client's mistake. */
function logFaults(lines: readonly string[]) {
  const parsed = lines.map((line) => {
    try {
      return JSON.parse(line) as { level: number; msg: string };
    } catch {
      return line;
    }
  });
  return {
    notJson: parsed.filter((line) => typeof line === 'string'),
    errors: parsed.filter((line) => typeof line !== 'string' && line.level >= 50),
  };
}

const unresolvable: { name: string; request: Request }[] = [
  { name: 'several operations and no operationName', request: { query: 'query A { me { name } } query B { me { name } }' } },
  { name: 'an operationName the document does not have', request: { query: 'query A { me { name } }', operationName: 'Z' } },
];
const noOperationToRun = { errors: [{ message: 'The document names no operation to run.', extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } }] };

const subscriptions: { name: string; request: Request }[] = [
  { name: 'certificateEvents', request: { query: 'subscription { certificateEvents { id } }' } },
  {
    name: 'certificateRotationProgress',
    request: { query: 'subscription($o: ID!) { certificateRotationProgress(operationId: $o) { status } }', variables: { o: randomUUID() } },
  },
];
const subscriptionOverHttp = { errors: [{ message: errorMessages.SUBSCRIPTION_OVER_HTTP, extensions: { code: 'SUBSCRIPTION_OVER_HTTP' } }] };

describe('on the test server', () => {
  const server = useTestServer({ clearBeforeEach: false });

  async function expectAnswer(method: 'POST' | 'GET', credential: Credential, request: Request, expected: Answer) {
    const before = server.logs.length;
    expect(await send(server.graphqlUrl, method, credential, request)).toEqual(expected);
    expect(logFaults(server.logs.slice(before))).toEqual({ notJson: [], errors: [] });
  }

  describe('a document whose operation to run cannot be told', () => {
    for (const method of ['POST', 'GET'] as const) {
      for (const signedIn of [true, false]) {
        it.each(unresolvable)(`over ${method}, ${signedIn ? 'signed in' : 'anonymous'}: $name → 400 OPERATION_RESOLUTION_FAILURE`, ({ request }) =>
          expectAnswer(method, signedIn ? { bearer: server.adminToken } : null, request, { status: 400, body: noOperationToRun }),
        );
      }
    }

    it.each(unresolvable)('over WebSocket: $name → the same refusal', async ({ request }) => {
      const before = server.logs.length;
      expect(await graphqlOverWebSocket(server.graphqlUrl, server.adminToken, request.query, undefined, request.operationName)).toEqual(
        noOperationToRun,
      );
      expect(logFaults(server.logs.slice(before))).toEqual({ notJson: [], errors: [] });
    });
  });

  describe('a subscription sent over HTTP', () => {
    for (const role of [Role.ADMINISTRATOR, Role.VIEWER]) {
      it.each(subscriptions)(`POST as ${role}: $name → 400 SUBSCRIPTION_OVER_HTTP`, async ({ request }) => {
        const credential = role === Role.ADMINISTRATOR ? { bearer: server.adminToken } : await server.tokenFor(role);
        await expectAnswer('POST', credential, request, { status: 400, body: subscriptionOverHttp });
      });
    }

    // As for any subscription, and for introspection: who is not signed in is told so first.
    it.each(subscriptions)('POST anonymous: $name → 401 UNAUTHENTICATED', ({ request }) =>
      expectAnswer('POST', null, request, {
        status: 401,
        body: { errors: [{ message: errorMessages.UNAUTHENTICATED, extensions: { code: 'UNAUTHENTICATED' } }] },
      }),
    );

    it.each(subscriptions)('GET: $name → 405, as any operation but a query', ({ request }) =>
      expectAnswer('GET', { bearer: server.adminToken }, request, {
        status: 405,
        body: {
          errors: [{ message: 'GET requests only support query operations, not subscription operations', extensions: { code: 'BAD_REQUEST' } }],
        },
      }),
    );
  });
});

describe('on the built server, as an operator runs it', () => {
  let built: { server: ReturnType<typeof spawnServer>; url: string; cleanup: () => Promise<void> } | undefined;
  // Started in a hook: a first start (migrations, or the embedded database's) takes a while on a busy machine.
  beforeAll(async () => {
    const dataDir =
      testDatabaseKind === 'embedded' ? await migratedDataDir('bam-unrunnable-') : await fs.mkdtemp(path.join(os.tmpdir(), 'bam-unrunnable-'));
    const database = testDatabaseKind === 'postgres' ? await createTestDatabase() : undefined;
    const server = spawnServer({
      ...(database ? { DATABASE_URL: database.url } : {}),
      DATA_DIR: dataDir,
      MASTER_KEY: randomBytes(32).toString('base64'),
      INITIAL_ADMIN_USERNAME: testAdmin.username,
      INITIAL_ADMIN_PASSWORD: testAdmin.password,
      EXPIRY_CHECK_INTERVAL_SECONDS: '0',
    });
    const cleanup = async () => {
      server.child.kill('SIGTERM');
      await server.exited;
      await database?.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    };
    try {
      built = { server, url: await server.started, cleanup };
    } catch (error) {
      await cleanup();
      throw error;
    }
  });
  afterAll(() => built?.cleanup());

  it('answers these mistakes with their codes and writes only JSON lines, none at error level', async () => {
    const { server, url } = built!;
    const graphqlUrl = `${url}/graphql`;
    const cookie = { cookie: await signInCookie(url, testAdmin.username, testAdmin.password) };
    const before = server.lines.length;
    for (const { request } of unresolvable) {
      expect.soft(await send(graphqlUrl, 'POST', cookie, request)).toEqual({ status: 400, body: noOperationToRun });
      expect.soft(await send(graphqlUrl, 'GET', null, request)).toEqual({ status: 400, body: noOperationToRun });
    }
    for (const { request } of subscriptions) {
      expect.soft(await send(graphqlUrl, 'POST', cookie, request)).toEqual({ status: 400, body: subscriptionOverHttp });
    }
    expect(logFaults(server.lines.slice(before))).toEqual({ notJson: [], errors: [] });
  });
});
