import { beforeAll, describe, expect, it } from 'vitest';
import { buildAppSchema } from '../../src/app.js';
import { Role } from '../../src/common/actor.js';
import { type FieldOperation, rootFieldOperations } from '../support/operation-factory.js';
import { type Credential, credentialHeaders, type GraphQLResponse, testAdmin, useTestServer } from '../support/test-server.js';

const server = useTestServer({ clearBeforeEach: false });
const operations = rootFieldOperations(await buildAppSchema());

/** Root fields anyone may call: signing in, and asking who one is (null when nobody). */
const anonymousFields = new Set(['signIn', 'me']);
/** Fields a signed-in caller may use whatever its role, even before changing a required password. */
const selfServiceFields = new Set(['signOut', 'changePassword']);
/** Fields only administrators may use; any other query or subscription needs VIEWER, any other mutation OPERATOR. */
const administratorFields = new Set([
  'users',
  'apiTokens',
  'auditLog',
  'createUser',
  'updateUser',
  'createApiToken',
  'revokeApiToken',
  'addOrganization',
  'removeOrganization',
  'updateOrganizationConnection',
  'webhookEndpoints',
  'createWebhookEndpoint',
  'updateWebhookEndpoint',
  'rotateWebhookSecret',
  'deleteWebhookEndpoint',
  'resendWebhookEvent',
]);
/** Queries and subscriptions for Operators: listing a tenant's applications to add some; checking a PFX file before an update; following one's own certificate update. */
const operatorQueries = new Set(['availableApplications', 'inspectPfx', 'certificateRotationProgress']);

function leastRole({ kind, name }: FieldOperation): Role {
  if (administratorFields.has(name)) return Role.ADMINISTRATOR;
  if (operatorQueries.has(name)) return Role.OPERATOR;
  return kind === 'mutation' ? Role.OPERATOR : Role.VIEWER;
}

const refusals = ['UNAUTHENTICATED', 'FORBIDDEN', 'PASSWORD_CHANGE_REQUIRED'];

/** Runs the operation as the credential (multipart when it carries files); the refusal code (among `expected`), or null. */
async function refusalOf(operation: FieldOperation, credential: Credential, expected = refusals): Promise<string | null> {
  let response: Response;
  if (operation.uploadPaths.length > 0) {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: operation.query, variables: operation.variables }));
    form.append('map', JSON.stringify(Object.fromEntries(operation.uploadPaths.map((path, index) => [index, [path]]))));
    operation.uploadPaths.forEach((_path, index) => form.append(String(index), new Blob([Buffer.from('not a pfx')]), 'walk.pfx'));
    response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'apollo-require-preflight': 'true', ...credentialHeaders(credential) },
      body: form,
    });
  } else {
    response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...credentialHeaders(credential) },
      body: JSON.stringify({ query: operation.query, variables: operation.variables }),
    });
  }
  const body = (await response.json()) as GraphQLResponse<unknown>;
  const codes = (body.errors ?? []).map((error) => error.extensions?.code ?? 'NONE');
  // Anything but a refusal (a coded domain error about the sample input, or success) means the caller got through.
  expect(
    codes.filter((code) => code === 'GRAPHQL_VALIDATION_FAILED' || code === 'BAD_USER_INPUT'),
    operation.query,
  ).toEqual([]);
  return codes.find((code) => expected.includes(code)) ?? null;
}

const credentials: Partial<Record<Role | 'pending', Credential>> = {};

beforeAll(async () => {
  for (const role of [Role.VIEWER, Role.OPERATOR, Role.ADMINISTRATOR]) credentials[role] = await server.tokenFor(role);
  // An account that has not yet changed the temporary password an administrator gave it.
  const created = await server.graphql<{ createUser: { errors: unknown[] } }>(
    'mutation { createUser(input: { username: "pending", password: "temporary-password", role: ADMINISTRATOR }) { errors { code } } }',
  );
  expect(created.data!.createUser.errors).toEqual([]);
  credentials.pending = await server.signIn('pending', 'temporary-password');
});

describe('every root field of the schema', () => {
  it('is found by the walk, queries and mutations alike', () => {
    expect(operations.map((operation) => operation.name)).toEqual(
      expect.arrayContaining(['organizations', 'updateCertificate', 'signIn', 'auditLog']),
    );
  });

  it.each(operations.map((operation) => [`${operation.kind} ${operation.name}`, operation] as const))(
    '%s refuses anonymous callers with UNAUTHENTICATED (but signIn and me)',
    async (_label, operation) => {
      expect(await refusalOf(operation, null)).toBe(anonymousFields.has(operation.name) ? null : 'UNAUTHENTICATED');
    },
  );

  // Subscriptions run over WebSocket only: over HTTP a signed-in caller is refused whatever its role (below). Their
  // roles are checked over WebSocket: rotation-progress.test.ts (a Viewer's FORBIDDEN), sign-in.test.ts (sockets closed 4401 anonymous, 4403 before a required password change).
  const signedInOperations = operations.filter((operation) => !anonymousFields.has(operation.name) && operation.kind !== 'subscription');

  it.each(signedInOperations.map((operation) => [`${operation.kind} ${operation.name}`, operation] as const))(
    '%s is refused with FORBIDDEN to each role below the least one it needs, and allowed to the others',
    async (_label, operation) => {
      const needed = selfServiceFields.has(operation.name) ? Role.VIEWER : leastRole(operation);
      const outcome: Record<string, string | null> = {};
      for (const role of [Role.VIEWER, Role.OPERATOR, Role.ADMINISTRATOR]) outcome[role] = await refusalOf(operation, credentials[role]!);
      const order = [Role.VIEWER, Role.OPERATOR, Role.ADMINISTRATOR];
      expect(outcome).toEqual(Object.fromEntries(order.map((role) => [role, order.indexOf(role) < order.indexOf(needed) ? 'FORBIDDEN' : null])));
    },
  );

  it.each(signedInOperations.map((operation) => [`${operation.kind} ${operation.name}`, operation] as const))(
    '%s waits for a required password change (but signOut and changePassword)',
    async (_label, operation) => {
      // signOut would end the pending session the other cases use: it is checked last, below.
      if (operation.name === 'signOut') return;
      expect(await refusalOf(operation, credentials.pending!)).toBe(selfServiceFields.has(operation.name) ? null : 'PASSWORD_CHANGE_REQUIRED');
    },
  );

  it.each(operations.filter((operation) => operation.kind === 'subscription').map((operation) => [operation.name, operation] as const))(
    'subscription %s is refused over HTTP to every signed-in caller, as SUBSCRIPTION_OVER_HTTP',
    async (_label, operation) => {
      for (const credential of [credentials.VIEWER, credentials.OPERATOR, credentials.ADMINISTRATOR, credentials.pending]) {
        expect(await refusalOf(operation, credential!, ['SUBSCRIPTION_OVER_HTTP'])).toBe('SUBSCRIPTION_OVER_HTTP');
      }
    },
  );
});

it('lets an account that must change its password sign out', async () => {
  const signOut = operations.find((operation) => operation.name === 'signOut')!;
  expect(await refusalOf(signOut, credentials.pending!)).toBeNull();
  expect((await server.graphqlAs(credentials.pending!, '{ me { name } }')).data).toEqual({ me: null });
});

describe('introspection', () => {
  const introspection = '{ __schema { queryType { name } } }';

  it('is refused to anonymous callers, and answered once signed in or with a token', async () => {
    expect((await server.graphqlAs(null, introspection)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await server.graphqlAs(null, '{ __type(name: "Query") { name } }')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await server.graphqlAs(credentials.VIEWER!, introspection)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const cookie = await server.signIn(testAdmin.username, testAdmin.password);
    expect((await server.graphqlAs(cookie, introspection)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });
});
