import { errorMessages } from '@bam/shared';
import pg from 'pg';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { LimitsWithoutRemovedOrganizations1795738301000 } from '../../src/auth/1795738301000-limits-without-removed-organizations.migration.js';
import { Role } from '../../src/common/actor.js';
import { holdLock, until, waitingOnLocks } from '../support/lock-races.js';
import { seedOrganization } from '../support/seed.js';
import { type Credential, type GraphQLResponse, testAdmin, testDatabaseKind, useTestServer } from '../support/test-server.js';

const server = useTestServer();

const createUser = 'mutation Create($input: CreateUserInput!) { createUser(input: $input) { user { id } errors { code } } }';
const updateUser =
  'mutation Update($input: UpdateUserInput!) { updateUser(input: $input) { user { role disabled organizationIds } errors { code message } } }';

interface Updated {
  updateUser: { user: { role: string; disabled: boolean; organizationIds: string[] | null } | null; errors: { code: string; message: string }[] };
}

// Accounts outlive the clearing of the database between tests: back to the initial administrator alone.
beforeEach(async () => {
  const { dataSource } = server.database;
  await dataSource.query('DELETE FROM users WHERE username <> $1', [testAdmin.username]);
  await dataSource.query(`UPDATE users SET role = 'ADMINISTRATOR', disabled = false, organization_ids = NULL WHERE username = $1`, [
    testAdmin.username,
  ]);
});

async function accountId(username: string): Promise<string> {
  const [row] = (await server.database.dataSource.query('SELECT id FROM users WHERE username = $1', [username])) as { id: string }[];
  return row!.id;
}

/** Usernames of the administrator accounts that are not disabled. */
async function activeAdministrators(): Promise<string[]> {
  const rows = (await server.database.dataSource.query(
    `SELECT username FROM users WHERE role = 'ADMINISTRATOR' AND NOT disabled ORDER BY username`,
  )) as { username: string }[];
  return rows.map((row) => row.username);
}

async function create(username: string, role: string, organizationIds: string[] | null = null): Promise<string> {
  const { data } = await server.graphql<{ createUser: { user: { id: string } | null; errors: unknown[] } }>(createUser, {
    input: { username, password: 'temporary-password', role, organizationIds },
  });
  expect(data!.createUser.errors).toEqual([]);
  return data!.createUser.user!.id;
}

/** A second administrator, signed in with its password changed (so it may act). */
async function signedInAdministrator(username: string): Promise<{ id: string; session: { cookie: string } }> {
  const id = await create(username, 'ADMINISTRATOR');
  const session = await server.signIn(username, 'temporary-password');
  const changed = await server.graphqlAs<{ changePassword: { errors: unknown[] } }>(
    session,
    'mutation($input: ChangePasswordInput!) { changePassword(input: $input) { errors { code } } }',
    { input: { currentPassword: 'temporary-password', newPassword: 'a-long-new-password' } },
  );
  expect(changed.data!.changePassword.errors).toEqual([]);
  return { id, session };
}

function update(credential: Credential, input: Record<string, unknown>): Promise<GraphQLResponse<Updated>> {
  return server.graphqlAs<Updated>(credential, updateUser, { input });
}

/** What one updateUser answered: no codes on success, else the refusal's codes (payload or GraphQL error). */
function codesOf(response: GraphQLResponse<Updated>): string[] {
  return response.data?.updateUser?.errors.map((error) => error.code) ?? response.errors!.map((error) => error.extensions!.code!);
}

describe('the last administrator', () => {
  it('cannot be demoted or disabled, by a token either; nothing changes and nothing is recorded', async () => {
    const adminId = await accountId(testAdmin.username);
    const admin = { bearer: server.adminToken };
    for (const change of [{ role: 'OPERATOR' }, { role: 'VIEWER' }, { disabled: true }, { role: 'VIEWER', disabled: true }]) {
      const { data } = await update(admin, { userId: adminId, ...change });
      expect(data, JSON.stringify(change)).toEqual({
        updateUser: { user: null, errors: [{ code: 'LAST_ADMINISTRATOR', message: errorMessages.LAST_ADMINISTRATOR }] },
      });
    }
    expect(await activeAdministrators()).toEqual([testAdmin.username]);
    const [{ count }] = await server.database.dataSource.query(`SELECT count(*)::int AS count FROM audit_log WHERE action = 'USER_UPDATED'`);
    expect(count).toBe(0);
    // Other changes to it still go through.
    expect((await update(admin, { userId: adminId, role: 'ADMINISTRATOR', disabled: false })).data!.updateUser.errors).toEqual([]);
  });

  it('is counted among active accounts only: a disabled administrator does not keep another one demotable', async () => {
    const admin = { bearer: server.adminToken };
    const adminId = await accountId(testAdmin.username);
    const secondId = await create('second', 'ADMINISTRATOR');
    expect(codesOf(await update(admin, { userId: secondId, disabled: true }))).toEqual([]);
    expect(codesOf(await update(admin, { userId: adminId, role: 'VIEWER' }))).toEqual(['LAST_ADMINISTRATOR']);

    expect(codesOf(await update(admin, { userId: secondId, disabled: false }))).toEqual([]);
    expect(codesOf(await update(admin, { userId: adminId, role: 'VIEWER' }))).toEqual([]);
    expect(codesOf(await update(admin, { userId: secondId, role: 'OPERATOR' }))).toEqual(['LAST_ADMINISTRATOR']);
    expect(await activeAdministrators()).toEqual(['second']);
  });

  it('survives two administrators demoting each other at the same moment: exactly one change goes through', async () => {
    const adminId = await accountId(testAdmin.username);
    const adminSession = await server.signIn(testAdmin.username, testAdmin.password);
    const second = await signedInAdministrator('second');

    const outcomes = await Promise.all([
      update(adminSession, { userId: second.id, role: 'VIEWER' }),
      update(second.session, { userId: adminId, role: 'VIEWER' }),
    ]);
    // The later one finds its own account demoted by the first: it no longer acts as an administrator.
    expect(outcomes.map(codesOf).sort()).toEqual([[], ['FORBIDDEN']]);
    expect(await activeAdministrators()).toHaveLength(1);
  });

  it('survives two tokens taking away one administrator each at the same moment', async () => {
    const adminId = await accountId(testAdmin.username);
    const secondId = await create('second', 'ADMINISTRATOR');
    const otherToken = await server.tokenFor(Role.ADMINISTRATOR);

    const outcomes = await Promise.all([
      update({ bearer: server.adminToken }, { userId: adminId, role: 'OPERATOR' }),
      update(otherToken, { userId: secondId, disabled: true }),
    ]);
    expect(outcomes.map(codesOf).sort()).toEqual([[], ['LAST_ADMINISTRATOR']]);
    expect(await activeAdministrators()).toHaveLength(1);
  });
});

describe.skipIf(testDatabaseKind !== 'postgres')(
  'an administrator changed while it creates an account or a token (PostgreSQL: a transaction held by the test)',
  () => {
    const createApiToken = 'mutation Token($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret errors { code } } }';

    /** Codes of a create mutation's answer: its payload's errors, or the GraphQL errors. */
    function createCodes(response: GraphQLResponse<Record<string, { errors: { code: string }[] } | null>>): string[] {
      const payload = Object.values(response.data ?? {})[0];
      return payload?.errors.map((error) => error.code) ?? response.errors!.map((error) => error.extensions!.code!);
    }

    for (const [change, statement] of [
      ['disabled', `UPDATE users SET disabled = true WHERE id = $1`],
      ['demoted', `UPDATE users SET role = 'OPERATOR' WHERE id = $1`],
    ] as const) {
      it(`is refused with FORBIDDEN once the change that ${change} it commits, creating nothing`, async () => {
        const second = await signedInAdministrator('second');
        const created = async (request: () => Promise<GraphQLResponse<Record<string, { errors: { code: string }[] } | null>>>) => {
          // The change is made and holds the account's row; the request was authorized before it commits.
          const writer = await holdLock(server.database.dataSource, statement, [second.id]);
          let answered = false;
          const answer = request().finally(() => (answered = true));
          try {
            await until(async () => answered || (await waitingOnLocks(server.database.dataSource)) === 1, 'the mutation to wait for the account');
          } finally {
            await writer.query('COMMIT');
            await writer.end();
          }
          const codes = createCodes(await answer);
          await server.database.dataSource.query(`UPDATE users SET role = 'ADMINISTRATOR', disabled = false WHERE id = $1`, [second.id]);
          return codes;
        };

        expect(
          await created(() =>
            server.graphqlAs(second.session, createUser, {
              input: { username: 'third', password: 'temporary-password', role: 'VIEWER', organizationIds: null },
            }),
          ),
        ).toEqual(['FORBIDDEN']);
        expect(
          await created(() =>
            server.graphqlAs(second.session, createApiToken, {
              input: { name: 'late', role: 'ADMINISTRATOR', organizationIds: null, expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
            }),
          ),
        ).toEqual(['FORBIDDEN']);
        expect(await server.database.dataSource.query(`SELECT username FROM users WHERE username = 'third'`)).toEqual([]);
        expect(await server.database.dataSource.query(`SELECT name FROM api_tokens WHERE name = 'late'`)).toEqual([]);
      });
    }
  },
);

it('refuses an administrator demoting or disabling its own account, while another administrator remains', async () => {
  const adminId = await accountId(testAdmin.username);
  await create('second', 'ADMINISTRATOR');
  const session = await server.signIn(testAdmin.username, testAdmin.password);
  for (const change of [{ role: 'OPERATOR' }, { disabled: true }]) {
    const { data } = await update(session, { userId: adminId, ...change });
    expect(data, JSON.stringify(change)).toEqual({
      updateUser: { user: null, errors: [{ code: 'USER_SELF_LOCKOUT', message: errorMessages.USER_SELF_LOCKOUT }] },
    });
  }
  expect(await activeAdministrators()).toEqual([testAdmin.username, 'second']);
  expect((await server.graphqlAs(session, '{ me { role } }')).data).toEqual({ me: { role: 'ADMINISTRATOR' } });
});

describe('accounts and tokens limited to an organization that is removed', () => {
  const removeOrganization = 'mutation($id: ID!) { removeOrganization(id: $id) { errors { code } } }';

  it('can still be disabled and have their password reset (the console never sends organizationIds on update)', async () => {
    const contoso = await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', []);
    const userId = await create('contoso-operator', 'OPERATOR', [contoso.organization.id]);
    expect((await server.graphql(removeOrganization, { id: contoso.organization.id })).data).toEqual({ removeOrganization: { errors: [] } });

    const reset = await update({ bearer: server.adminToken }, { userId, password: 'another-temporary-password' });
    expect(reset.data!.updateUser.errors).toEqual([]);
    const disabled = await update({ bearer: server.adminToken }, { userId, disabled: true });
    expect(disabled.data).toEqual({ updateUser: { user: { role: 'OPERATOR', disabled: true, organizationIds: [] }, errors: [] } });
  });

  it('can still be changed when the limit already names an organization that no longer exists', async () => {
    const userId = await create('stale-limit', 'VIEWER', []);
    const gone = '0b5c3e0e-5a2c-4c63-9a55-3f1d2f9a7e10';
    await server.database.dataSource.query('UPDATE users SET organization_ids = ARRAY[$1::uuid] WHERE id = $2', [gone, userId]);
    const changed = await update({ bearer: server.adminToken }, { userId, role: 'OPERATOR', disabled: true });
    expect(changed.data).toEqual({ updateUser: { user: { role: 'OPERATOR', disabled: true, organizationIds: [gone] }, errors: [] } });
    // Organizations given in the change are still checked.
    expect(codesOf(await update({ bearer: server.adminToken }, { userId, organizationIds: [gone] }))).toEqual(['ORGANIZATION_NOT_FOUND']);
  });

  it('lose organizations removed before the release that cleans limits up, in order, once its migration runs', async () => {
    const { dataSource } = server.database;
    const fabrikam = await seedOrganization(dataSource, 'fabrikam.onmicrosoft.com', []);
    const [removedBefore, alsoRemoved] = ['0b5c3e0e-5a2c-4c63-9a55-3f1d2f9a7e10', '7d1f6c52-1f0e-4c1b-8f3a-2b6e1c0d9a41'];
    const userId = await create('limited-before', 'VIEWER', []);
    await dataSource.query('UPDATE users SET organization_ids = ARRAY[$1, $2, $3]::uuid[] WHERE id = $4', [
      removedBefore,
      fabrikam.organization.id,
      alsoRemoved,
      userId,
    ]);
    const token = await server.tokenFor(Role.VIEWER, [fabrikam.organization.id]);
    await dataSource.query('UPDATE api_tokens SET organization_ids = ARRAY[$1]::uuid[] WHERE organization_ids IS NOT NULL', [removedBefore]);

    const runner = dataSource.createQueryRunner();
    try {
      await new LimitsWithoutRemovedOrganizations1795738301000().up(runner);
    } finally {
      await runner.release();
    }
    const [user] = await dataSource.query('SELECT organization_ids FROM users WHERE id = $1', [userId]);
    expect(user.organization_ids).toEqual([fabrikam.organization.id]);
    expect(await dataSource.query('SELECT organization_ids FROM api_tokens WHERE organization_ids IS NOT NULL')).toEqual([{ organization_ids: [] }]);
    expect((await server.graphqlAs(token, '{ me { organizationIds } }')).data).toEqual({ me: { organizationIds: [] } });
    // Unlimited accounts stay unlimited.
    expect(await dataSource.query('SELECT organization_ids FROM users WHERE username = $1', [testAdmin.username])).toEqual([
      { organization_ids: null },
    ]);
  });

  it('lose it from their limit in the same change, stay limited (an empty limit is none), and the audit entry names them', async () => {
    const { dataSource } = server.database;
    const contoso = await seedOrganization(dataSource, 'contoso.onmicrosoft.com', []);
    const fabrikam = await seedOrganization(dataSource, 'fabrikam.onmicrosoft.com', []);
    const [contosoId, fabrikamId] = [contoso.organization.id, fabrikam.organization.id];
    const onlyContoso = await create('only-contoso', 'OPERATOR', [contosoId]);
    const both = await create('both', 'VIEWER', [contosoId, fabrikamId]);
    await create('everywhere', 'VIEWER');
    const token = await server.tokenFor(Role.OPERATOR, [contosoId]);
    const [tokenRow] = (await dataSource.query(`SELECT id FROM api_tokens WHERE $1 = ANY(organization_ids)`, [contosoId])) as { id: string }[];
    const tokenId = tokenRow!.id;
    const webhook = await server.graphql<{ createWebhookEndpoint: { endpoint: { id: string } } }>(
      'mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }',
      { input: { url: 'https://hooks.example.com/bam', eventTypes: ['CERTIFICATE_UPDATED'], organizationIds: [contosoId] } },
    );

    expect((await server.graphql(removeOrganization, { id: contosoId })).data).toEqual({ removeOrganization: { errors: [] } });

    const limits = (await dataSource.query('SELECT username, organization_ids FROM users WHERE username <> $1 ORDER BY username', [
      testAdmin.username,
    ])) as { username: string; organization_ids: string[] | null }[];
    expect(limits).toEqual([
      { username: 'both', organization_ids: [fabrikamId] },
      { username: 'everywhere', organization_ids: null },
      { username: 'only-contoso', organization_ids: [] },
    ]);
    const [tokenLimit] = await dataSource.query('SELECT organization_ids FROM api_tokens WHERE id = $1', [tokenId]);
    expect(tokenLimit.organization_ids).toEqual([]);
    // Limited to no organization: Fabrikam stays out of its sight.
    expect((await server.graphqlAs(token, '{ organizations { totalCount } }')).data).toEqual({ organizations: { totalCount: 0 } });
    expect((await server.graphqlAs(token, '{ me { organizationIds } }')).data).toEqual({ me: { organizationIds: [] } });
    // Webhook endpoints keep their list: for them an empty one would mean every organization.
    const [endpoint] = await dataSource.query('SELECT organization_ids FROM webhook_endpoints WHERE id = $1', [
      webhook.data!.createWebhookEndpoint.endpoint.id,
    ]);
    expect(endpoint.organization_ids).toEqual([contosoId]);

    const audit = await server.graphql<{ auditLog: { edges: { node: { details: Record<string, unknown> } }[] } }>(
      'query { auditLog(first: 1, filter: { actions: [ORGANIZATION_REMOVED] }) { edges { node { details } } } }',
    );
    expect(audit.data!.auditLog.edges[0]!.node.details).toEqual({
      name: 'contoso.onmicrosoft.com',
      tenantId: contoso.organization.tenantId,
      applications: [],
      limitedAccounts: [
        { userId: both, username: 'both' },
        { userId: onlyContoso, username: 'only-contoso' },
      ],
      limitedApiTokens: [{ tokenId, name: 'test operator' }],
    });
  });

  describe.skipIf(testDatabaseKind !== 'postgres')(
    'on PostgreSQL, with the lock of a removal held by the test (the embedded database has one session)',
    () => {
      it('an account created while its organization is being removed waits, then answers ORGANIZATION_NOT_FOUND', async () => {
        const contoso = await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', []);
        const removal = new pg.Client({ connectionString: (server.database.dataSource.options as { url: string }).url });
        await removal.connect();
        let created: Promise<GraphQLResponse<{ createUser: unknown }>> | undefined;
        try {
          // What removeOrganization does: lock the organization, (take it out of every limit,) delete it.
          await removal.query('BEGIN');
          await removal.query('SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE', [contoso.organization.id]);
          let answered = false;
          created = server.graphql(createUser, {
            input: { username: 'latecomer', password: 'temporary-password', role: 'VIEWER', organizationIds: [contoso.organization.id] },
          });
          void created.finally(() => (answered = true));
          await vi.waitFor(async () => {
            const waiting: unknown[] = await server.database.dataSource.query(
              `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
            );
            expect(answered || waiting.length === 1).toBe(true);
          });
          await removal.query('DELETE FROM organizations WHERE id = $1', [contoso.organization.id]);
        } finally {
          await removal.query('COMMIT');
          await removal.end();
        }
        expect((await created!).data).toEqual({ createUser: { user: null, errors: [{ code: 'ORGANIZATION_NOT_FOUND' }] } });
        expect(await server.database.dataSource.query(`SELECT 1 FROM users WHERE username = 'latecomer'`)).toEqual([]);
      });
    },
  );
});
