import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { hashSecret } from '../../src/auth/credential-secret.js';
import { useTestServer } from '../support/test-server.js';
import { webSocketCloseCode } from '../support/web-socket.js';

const server = useTestServer({ clearBeforeEach: false });

const create = /* GraphQL */ `
  mutation Create($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      token {
        id
        name
        role
        organizationIds
        expiresAt
        createdBy
        revokedAt
        lastUsedAt
      }
      secret
      errors {
        code
      }
    }
  }
`;
const revoke = 'mutation Revoke($id: ID!) { revokeApiToken(input: { tokenId: $id }) { token { revokedAt } errors { code } } }';
const inOneDay = () => new Date(Date.now() + 86_400_000).toISOString();

interface Created {
  createApiToken: { token: { id: string; lastUsedAt: string | null } | null; secret: string | null; errors: { code: string }[] };
}

it('shows a new token’s secret once, stores only its hash, and lists tokens without secrets', async () => {
  const { data } = await server.graphql<Created>(create, { input: { name: ' nightly report ', role: 'VIEWER', expiresAt: inOneDay() } });
  const { token, secret } = data!.createApiToken;
  expect(secret).toMatch(/^bam_[\w-]{43}$/);
  expect(token).toMatchObject({
    name: 'nightly report',
    role: 'VIEWER',
    organizationIds: null,
    createdBy: expect.stringMatching(/^token:/),
    lastUsedAt: null,
  });

  const [row] = await server.database.dataSource.query('SELECT * FROM api_tokens WHERE id = $1', [token!.id]);
  expect(row.secret_hash).toEqual(hashSecret(secret!));
  expect(JSON.stringify(row)).not.toContain(secret!.slice(4));
  const listed = await server.graphql<{ apiTokens: Record<string, unknown>[] }>('{ apiTokens { id name } }');
  expect(listed.data!.apiTokens).toContainEqual({ id: token!.id, name: 'nightly report' });
  const fields = await server.graphql<{ __type: { fields: { name: string }[] } }>('{ __type(name: "ApiToken") { fields { name } } }');
  expect(fields.data!.__type.fields.map((field) => field.name)).not.toContain('secret');
});

it('lets a script use its token as a Bearer credential, recording the last use, until the token is revoked', async () => {
  const { data } = await server.graphql<Created>(create, { input: { name: 'script', role: 'OPERATOR', expiresAt: inOneDay() } });
  const bearer = { bearer: data!.createApiToken.secret! };
  const tokenId = data!.createApiToken.token!.id;

  expect((await server.graphqlAs(bearer, '{ me { kind name role } }')).data).toEqual({ me: { kind: 'TOKEN', name: 'script', role: 'OPERATOR' } });
  const used = await server.graphql<{ apiTokens: { id: string; lastUsedAt: string | null }[] }>('{ apiTokens { id lastUsedAt } }');
  expect(used.data!.apiTokens.find((token) => token.id === tokenId)!.lastUsedAt).not.toBeNull();

  const revoked = await server.graphql<{ revokeApiToken: { token: { revokedAt: string | null }; errors: unknown[] } }>(revoke, { id: tokenId });
  expect(revoked.data!.revokeApiToken.errors).toEqual([]);
  expect(revoked.data!.revokeApiToken.token.revokedAt).not.toBeNull();
  expect((await server.graphqlAs(bearer, '{ organizations { totalCount } }')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect((await server.graphql(revoke, { id: '00000000-0000-4000-8000-000000000000' })).data).toEqual({
    revokeApiToken: { token: null, errors: [{ code: 'API_TOKEN_NOT_FOUND' }] },
  });
});

it('closes the WebSockets of a token with code 4401 when it is revoked', async () => {
  const { data } = await server.graphql<Created>(create, { input: { name: 'listener', role: 'VIEWER', expiresAt: inOneDay() } });
  const code = await webSocketCloseCode(server.graphqlUrl, { bearer: data!.createApiToken.secret! }, async () => {
    await server.graphql(revoke, { id: data!.createApiToken.token!.id });
  });
  expect(code).toBe(4401);
});

it('stops accepting a token once it expires, and closes its WebSockets then', async () => {
  const { data } = await server.graphql<Created>(create, {
    input: { name: 'short-lived', role: 'VIEWER', expiresAt: new Date(Date.now() + 1500).toISOString() },
  });
  const bearer = { bearer: data!.createApiToken.secret! };
  const closed = webSocketCloseCode(server.graphqlUrl, bearer);
  expect((await server.graphqlAs(bearer, '{ me { name } }')).data).toEqual({ me: { name: 'short-lived' } });
  await sleep(1700);
  expect((await server.graphqlAs(bearer, '{ me { name } }')).data).toEqual({ me: null });
  expect(await closed).toBe(4401);
});

it('refuses a token without a name, with an expiry in the past or over a year away, and an administrator limited to organizations', async () => {
  const attempts = [
    { name: ' ', role: 'VIEWER', expiresAt: inOneDay() },
    { name: 'past', role: 'VIEWER', expiresAt: new Date(Date.now() - 1000).toISOString() },
    { name: 'forever', role: 'VIEWER', expiresAt: new Date(Date.now() + 400 * 86_400_000).toISOString() },
    { name: 'scoped admin', role: 'ADMINISTRATOR', organizationIds: [], expiresAt: inOneDay() },
    { name: 'unknown organization', role: 'VIEWER', organizationIds: ['00000000-0000-4000-8000-000000000000'], expiresAt: inOneDay() },
  ];
  const codes = [];
  for (const input of attempts) codes.push((await server.graphql<Created>(create, { input })).data!.createApiToken.errors.map((error) => error.code));
  expect(codes).toEqual([
    ['API_TOKEN_INVALID'],
    ['API_TOKEN_INVALID'],
    ['API_TOKEN_INVALID'],
    ['ADMINISTRATOR_SCOPE_INVALID'],
    ['ORGANIZATION_NOT_FOUND'],
  ]);
});
