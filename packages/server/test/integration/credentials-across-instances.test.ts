import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerInstances, startServerInstances } from '../support/server-instances.js';
import { signInCookie } from '../support/sign-in.js';
import { testDatabaseKind } from '../support/test-server.js';
import { type OpenSubscription, openSubscription } from '../support/web-socket.js';

/**
 * Two server processes on one PostgreSQL, as behind a load balancer: when a credential ends through
 * one of them, the sockets it holds open on the other close as on the first — with 4401 and the
 * same reason — even while they only receive subscription events and send no operation.
 */
const eventsSubscription = 'subscription { certificateEvents { id } }';
/** "Within a few seconds" of the README, with room for a loaded machine. */
const CLOSE_WITHIN_MS = 5000;

describe.runIf(testDatabaseKind === 'postgres')('a credential ended on one instance', () => {
  let instances: ServerInstances;
  let oneUrl: string;
  let otherUrl: string;

  beforeAll(async () => {
    instances = await startServerInstances();
    [oneUrl, otherUrl] = instances.urls as [string, string];
  });
  afterAll(async () => {
    await instances?.stop();
  });

  async function graphqlAs<Data>(url: string, cookie: string, query: string, variables?: Record<string, unknown>): Promise<Data> {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: Data; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return body.data!;
  }

  /** Subscribes on both instances and waits until each has delivered an event: both subscriptions are live. */
  async function subscribeOnBoth(credential: { bearer: string } | { cookie: string }): Promise<OpenSubscription[]> {
    const sockets = [oneUrl, otherUrl].map((url) => openSubscription(`${url}/graphql`, credential, eventsSubscription));
    await Promise.all(sockets.map((socket) => socket.subscribed));
    // The subscriptions start reading after the subscribe message: give them a moment, then make a change.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await graphqlAs(
      oneUrl,
      instances.cookie,
      'mutation($input: GenerateCertificateInput!) { generateCertificate(input: $input) { errors { code } } }',
      {
        input: { commonName: 'Credential test', notAfter: new Date(Date.now() + 90 * 86_400_000).toISOString() },
      },
    );
    await expect.poll(() => sockets.map((socket) => socket.received.length > 0), { timeout: 10_000 }).toEqual([true, true]);
    return sockets;
  }

  async function closeOf(socket: OpenSubscription): Promise<{ code: number; reason: string }> {
    let timer: NodeJS.Timeout | undefined;
    const stillOpen = new Promise<{ code: number; reason: string }>((resolve) => {
      timer = setTimeout(() => resolve({ code: 0, reason: `still open after ${CLOSE_WITHIN_MS} ms` }), CLOSE_WITHIN_MS);
    });
    try {
      return await Promise.race([socket.closed, stillOpen]);
    } finally {
      clearTimeout(timer);
      socket.close();
    }
  }

  /** An operator account, signed in (its temporary password changed) through instance one. */
  async function newOperator(username: string): Promise<{ id: string; password: string }> {
    const created = await graphqlAs<{ createUser: { user: { id: string } } }>(
      oneUrl,
      instances.cookie,
      'mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } errors { code } } }',
      { input: { username, password: 'temporary-password', role: 'OPERATOR' } },
    );
    const password = 'a-long-new-password';
    await graphqlAs(oneUrl, await signInCookie(oneUrl, username, 'temporary-password'), changePassword, {
      input: { currentPassword: 'temporary-password', newPassword: password },
    });
    return { id: created.createUser.user.id, password };
  }
  const changePassword = 'mutation($input: ChangePasswordInput!) { changePassword(input: $input) { errors { code } } }';

  it('closes the sockets of a revoked API token on every instance with 4401 "Token revoked"', async () => {
    const { createApiToken } = await graphqlAs<{ createApiToken: { token: { id: string }; secret: string } }>(
      oneUrl,
      instances.cookie,
      'mutation($expiresAt: DateTimeISO!) { createApiToken(input: { name: "listener", role: VIEWER, expiresAt: $expiresAt }) { token { id } secret } }',
      { expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
    );
    const [here, there] = await subscribeOnBoth({ bearer: createApiToken.secret });

    await graphqlAs(oneUrl, instances.cookie, 'mutation($id: ID!) { revokeApiToken(input: { tokenId: $id }) { errors { code } } }', {
      id: createApiToken.token.id,
    });
    expect(await Promise.all([closeOf(here!), closeOf(there!)])).toEqual([
      { code: 4401, reason: 'Token revoked' },
      { code: 4401, reason: 'Token revoked' },
    ]);
  });

  it('closes the sockets of a signed-out session on every instance with 4401 "Signed out"', async () => {
    const cookie = await signInCookie(oneUrl, instances.admin.username, instances.admin.password);
    const [here, there] = await subscribeOnBoth({ cookie });

    await graphqlAs(oneUrl, cookie, 'mutation { signOut { signedOut } }');
    expect(await Promise.all([closeOf(here!), closeOf(there!)])).toEqual([
      { code: 4401, reason: 'Signed out' },
      { code: 4401, reason: 'Signed out' },
    ]);
  });

  it('closes the sockets of the sessions a password change ends, and of a disabled account, on every instance', async () => {
    const { id, password } = await newOperator('traveller');
    const [stays, ends] = [await signInCookie(oneUrl, 'traveller', password), await signInCookie(otherUrl, 'traveller', password)];
    const [, endedThere] = await subscribeOnBoth({ cookie: ends });
    await graphqlAs(oneUrl, stays, changePassword, { input: { currentPassword: password, newPassword: 'another-long-password' } });
    expect(await closeOf(endedThere!)).toEqual({ code: 4401, reason: 'Password changed' });

    const [here, there] = await subscribeOnBoth({ cookie: stays });
    await graphqlAs(oneUrl, instances.cookie, 'mutation($id: ID!) { updateUser(input: { userId: $id, disabled: true }) { errors { code } } }', {
      id,
    });
    expect(await Promise.all([closeOf(here!), closeOf(there!)])).toEqual([
      { code: 4401, reason: 'Account changed' },
      { code: 4401, reason: 'Account changed' },
    ]);
  });

  it('closes the sockets of credentials and accounts that changed while no notice could arrive, once the listening connection is back', async () => {
    const { createApiToken } = await graphqlAs<{ createApiToken: { token: { id: string }; secret: string } }>(
      oneUrl,
      instances.cookie,
      'mutation($expiresAt: DateTimeISO!) { createApiToken(input: { name: "unheard", role: VIEWER, expiresAt: $expiresAt }) { token { id } secret } }',
      { expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
    );
    const revoked = await subscribeOnBoth({ bearer: createApiToken.secret });
    const { id: demotedId, password } = await newOperator('demoted');
    const demoted = await subscribeOnBoth({ cookie: await signInCookie(oneUrl, 'demoted', password) });
    const unchanged = await subscribeOnBoth({ cookie: instances.cookie });

    // Changed behind the servers' back (no NOTIFY at all, as if it was lost), then every instance's
    // listening connection drops: when it is back, the instance checks its sockets' credentials.
    const database = new pg.Client({ connectionString: instances.database.url });
    await database.connect();
    try {
      await database.query(`UPDATE api_tokens SET revoked_at = now() WHERE id = $1`, [createApiToken.token.id]);
      await database.query(`UPDATE users SET role = 'VIEWER' WHERE id = $1`, [demotedId]);
      const { rowCount } = await database.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN %'`,
      );
      expect(rowCount).toBe(2);
    } finally {
      await database.end();
    }
    expect(await Promise.all([...revoked, ...demoted].map(closeOf))).toEqual([
      { code: 4401, reason: 'Credential ended' },
      { code: 4401, reason: 'Credential ended' },
      { code: 4401, reason: 'Account changed' },
      { code: 4401, reason: 'Account changed' },
    ]);
    // Checked in the same query as the others, which have closed: these stay open.
    const open = (socket: OpenSubscription) =>
      Promise.race([socket.closed.then(() => false), new Promise((resolve) => setTimeout(resolve, 200, true))]);
    expect(await Promise.all(unchanged.map(open))).toEqual([true, true]);
    for (const socket of unchanged) socket.close();
  });
});
