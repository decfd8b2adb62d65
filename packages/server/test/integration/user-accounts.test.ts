import { errorMessages } from '@bam/shared';
import { beforeEach, describe, expect, it } from 'vitest';
import { Role } from '../../src/common/actor.js';
import { type Credential, type GraphQLResponse, testAdmin, useTestServer } from '../support/test-server.js';

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
