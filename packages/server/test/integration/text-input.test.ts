import { describe, expect, it } from 'vitest';
import { buildAppSchema } from '../../src/app.js';
import { subscribeToEvents } from '../support/event-subscriber.js';
import { type FieldOperation, rootFieldOperations } from '../support/operation-factory.js';
import { seedOrganization } from '../support/seed.js';
import { credentialHeaders, type GraphQLResponse, useTestServer } from '../support/test-server.js';

const server = useTestServer();

/** PostgreSQL text cannot hold U+0000: such input must be refused with a code, not fail in SQL. */
const nul = 'contoso\u0000';

function codes(response: { errors?: { extensions?: { code?: string } }[] }) {
  return (response.errors ?? []).map((error) => error.extensions?.code);
}

describe('text PostgreSQL cannot store', () => {
  it('is refused in the organization filter', async () => {
    const response = await server.graphql('query($filter: OrganizationFilter) { organizations(filter: $filter) { totalCount } }', {
      filter: { nameContains: nul },
    });
    expect(codes(response)).toEqual(['INVALID_INPUT']);
  });

  it('is refused in the certificate store search', async () => {
    const response = await server.graphql('query($filter: CertificateStoreFilter) { certificateStore(filter: $filter) { id } }', {
      filter: { search: nul },
    });
    expect(codes(response)).toEqual(['INVALID_INPUT']);
  });

  it('makes a pagination cursor invalid', async () => {
    const after = Buffer.from(JSON.stringify([nul, '00000000-0000-4000-8000-000000000000'])).toString('base64url');
    const response = await server.graphql('query($after: String) { organizations(after: $after) { totalCount } }', { after });
    expect(codes(response)).toEqual(['INVALID_CURSOR']);
  });

  it('is refused when used as an id, as any other text', async () => {
    const { organization } = await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', [{ displayName: 'App' }]);
    const byId = await server.graphql('query($id: ID!) { organization(id: $id) { id } certificate(id: $id) { id } }', {
      id: `${organization.id}\u0000`,
    });
    expect(codes(byId)).toEqual(['INVALID_INPUT']);

    const removal = await server.graphql('mutation($input: RemoveApplicationsInput!) { removeApplications(input: $input) { errors { code } } }', {
      input: { organizationId: organization.id, applicationIds: ['\u0000'] },
    });
    expect(codes(removal)).toEqual(['INVALID_INPUT']);
    const [{ count }] = await server.database.dataSource.query('SELECT count(*)::int AS count FROM backup_applications');
    expect(count).toBe(1);
  });
});

/** Every root field, with U+0000 in one of its text arguments at a time (the others hold plain text). */
const textOperations = rootFieldOperations(await buildAppSchema(), 'walk').flatMap((operation) =>
  operation.textPaths.map((path) => [`${operation.kind} ${operation.name}: ${path}`, operation, path] as const),
);

function withTextAt(variables: Record<string, unknown>, path: string): Record<string, unknown> {
  const copy = structuredClone(variables);
  const keys = path.split('.').slice(1);
  let node = copy as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[keys.at(-1)!] = nul;
  return copy;
}

/** Runs the operation over HTTP as the administrator (multipart when it carries files); the error codes. */
async function errorCodesOf(operation: FieldOperation, variables: Record<string, unknown>): Promise<string[]> {
  let body: FormData | string;
  const headers: Record<string, string> = { ...credentialHeaders({ bearer: server.adminToken }), 'apollo-require-preflight': 'true' };
  if (operation.uploadPaths.length > 0) {
    body = new FormData();
    body.append('operations', JSON.stringify({ query: operation.query, variables }));
    body.append('map', JSON.stringify(Object.fromEntries(operation.uploadPaths.map((path, index) => [index, [path]]))));
    operation.uploadPaths.forEach((_path, index) => (body as FormData).append(String(index), new Blob([Buffer.from('not a pfx')]), 'walk.pfx'));
  } else {
    body = JSON.stringify({ query: operation.query, variables });
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(server.graphqlUrl, { method: 'POST', headers, body });
  return codes((await response.json()) as GraphQLResponse<unknown>).map((code) => code ?? 'NONE');
}

/** Log lines at error level (pino's 50) or above: an unexpected failure. */
function errorLogLines(): string[] {
  return server.logs.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
}

describe('text holding U+0000 in any argument', () => {
  it('is found in text arguments of queries, mutations and subscriptions', () => {
    const names = new Set(textOperations.map(([, operation]) => operation.name));
    for (const name of ['signIn', 'createApiToken', 'createWebhookEndpoint', 'updateWebhookEndpoint', 'auditLog', 'certificateEvents']) {
      expect(names.has(name), name).toBe(true);
    }
  });

  it.each(textOperations)('%s is refused with INVALID_INPUT before anything runs', async (_label, operation, path) => {
    const logged = server.logs.length;
    expect(await errorCodesOf(operation, withTextAt(operation.variables, path))).toEqual(['INVALID_INPUT']);
    expect(server.logs.slice(logged).filter((line) => (JSON.parse(line) as { level: number }).level >= 50)).toEqual([]);
  });

  it('is refused in a literal of the document, as in a variable', async () => {
    const response = await server.graphql(
      'mutation { createApiToken(input: { name: "nightly\\u0000", role: VIEWER, expiresAt: "2099-01-01T00:00:00Z" }) { errors { code } } }',
    );
    expect(codes(response)).toEqual(['INVALID_INPUT']);
    const [{ count }] = await server.database.dataSource.query('SELECT count(*)::int AS count FROM api_tokens WHERE name LIKE $1', ['nightly%']);
    expect(count).toBe(0);
  });

  it('answers HTTP 400, as for an invalid variable, in a variable and in a literal', async () => {
    const headers = { 'content-type': 'application/json', ...credentialHeaders({ bearer: server.adminToken }) };
    for (const request of [
      { query: 'query($id: ID!) { organization(id: $id) { id } }', variables: { id: nul } },
      { query: '{ organization(id: "contoso\\u0000") { id } }' },
    ]) {
      const response = await fetch(server.graphqlUrl, { method: 'POST', headers, body: JSON.stringify(request) });
      expect(response.status).toBe(400);
      expect(codes((await response.json()) as GraphQLResponse<unknown>)).toEqual(['INVALID_INPUT']);
    }
  });

  it('is refused to an anonymous sign-in without a word in the error log', async () => {
    const before = errorLogLines().length;
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await server.graphqlAs(null, 'mutation($input: SignInInput!) { signIn(input: $input) { errors { code } } }', {
        input: { username: 'adm\u0000in', password: 'whatever-password' },
      });
      expect(codes(response)).toEqual(['INVALID_INPUT']);
    }
    expect(errorLogLines().slice(before)).toEqual([]);
  });

  it('ends a subscription with INVALID_INPUT over graphql-ws', async () => {
    const subscriber = subscribeToEvents(server.graphqlUrl, server.adminToken, { after: nul });
    try {
      const deadline = Date.now() + 10_000;
      while (subscriber.errors.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(subscriber.errors.map((error) => (error as { extensions?: { code?: string } }).extensions?.code)).toEqual(['INVALID_INPUT']);
    } finally {
      await subscriber.dispose();
    }
  });
});

describe('a failing SQL statement', () => {
  it('is logged with its code but never with its parameters', async () => {
    const marker = `marker-${'x'.repeat(100_000)}-end`;
    const logged = server.logs.length;
    await server.database.dataSource.query('ALTER TABLE organizations RENAME TO organizations_hidden');
    try {
      const response = await server.graphql('query($filter: OrganizationFilter) { organizations(filter: $filter) { totalCount } }', {
        filter: { nameContains: marker },
      });
      expect(codes(response)).toEqual(['INTERNAL_ERROR']);
    } finally {
      await server.database.dataSource.query('ALTER TABLE organizations_hidden RENAME TO organizations');
    }
    const logs = server.logs.slice(logged).join('\n');
    expect(logs.includes('marker-x'), 'the marker is in the log').toBe(false);
    const failures = server.logs
      .slice(logged)
      .map((line) => JSON.parse(line) as { msg: string; err?: { code?: string } })
      .filter((line) => line.err);
    expect(failures.map((line) => line.msg)).toEqual(['sql statement failed', 'unexpected error while executing an operation']);
    // 42P01: undefined_table — the code says what went wrong without the values.
    expect(failures.every((line) => line.err!.code === '42P01')).toBe(true);
  });
});
