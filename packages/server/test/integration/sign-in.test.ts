import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { spawnServer } from '../support/server-process.js';
import { signInCookie } from '../support/sign-in.js';
import { createTestDatabase } from '../support/test-database.js';
import { testAdmin, testDatabaseKind, useTestServer } from '../support/test-server.js';
import { webSocketCloseCode } from '../support/web-socket.js';

const signIn = 'mutation SignIn($input: SignInInput!) { signIn(input: $input) { me { name role kind mustChangePassword } errors { code } } }';
const me = '{ me { name role kind } }';

async function postSignIn(url: string, username: string, password: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: signIn, variables: { input: { username, password } } }),
  });
}

describe('signing in and out', () => {
  const server = useTestServer();

  it('sets an HttpOnly, SameSite=Strict session cookie that identifies the account, until sign-out', async () => {
    const response = await postSignIn(server.graphqlUrl, 'ADMIN ', testAdmin.password);
    const body = (await response.json()) as { data: { signIn: unknown } };
    expect(body.data.signIn).toEqual({ me: { name: 'admin', role: 'ADMINISTRATOR', kind: 'USER', mustChangePassword: false }, errors: [] });
    const [setCookie] = response.headers.getSetCookie();
    expect(setCookie).toMatch(/^bam_session=[\w-]{43}; Max-Age=43200; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Strict$/);
    // Secure is added when the request arrives over TLS; this test server speaks plain HTTP.
    const session = { cookie: setCookie!.split(';')[0]! };

    expect((await server.graphqlAs(session, me)).data).toEqual({ me: { name: 'admin', role: 'ADMINISTRATOR', kind: 'USER' } });
    const signedOut = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: session.cookie },
      body: JSON.stringify({ query: 'mutation { signOut { signedOut errors { code } } }' }),
    });
    expect(await signedOut.json()).toEqual({ data: { signOut: { signedOut: true, errors: [] } } });
    expect(signedOut.headers.getSetCookie()[0]).toMatch(/^bam_session=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict$/);

    expect((await server.graphqlAs(session, me)).data).toEqual({ me: null });
    expect((await server.graphqlAs(session, '{ organizations { totalCount } }')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a wrong password and an unknown username alike, setting no cookie', async () => {
    for (const [username, password] of [
      ['admin', 'not-the-password'],
      ['nobody', testAdmin.password],
    ]) {
      const response = await postSignIn(server.graphqlUrl, username!, password!);
      expect(await response.json()).toEqual({ data: { signIn: { me: null, errors: [{ code: 'INVALID_CREDENTIALS' }] } } });
      expect(response.headers.getSetCookie()).toEqual([]);
    }
  });

  it('keeps CSRF prevention on: a cross-site simple POST (text/plain or a form) is refused before it runs', async () => {
    const session = await server.signIn(testAdmin.username, testAdmin.password);
    const mutation = JSON.stringify({ query: 'mutation { signOut { signedOut } }' });
    // (A multipart request without Apollo-Require-Preflight is refused the same way: see update-certificate.test.ts.)
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
      const response = await fetch(server.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': contentType, cookie: session.cookie },
        body: mutation,
      });
      expect(response.status, contentType).toBe(400);
      expect(await response.text()).toContain('CSRF');
    }
    expect((await server.graphqlAs(session, me)).data).toEqual({ me: { name: 'admin', role: 'ADMINISTRATOR', kind: 'USER' } });
  });

  it('refuses an anonymous upload with 401 before reading its file', async () => {
    const response = await server.upload(
      'mutation($input: ImportCertificateInput!) { importCertificate(input: $input) { errors { code } } }',
      { input: { file: null } },
      { path: 'variables.input.file', content: Buffer.alloc(64 * 1024) },
      { 'apollo-require-preflight': 'true' },
      null,
    );
    expect(response).toMatchObject({ status: 401, errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('makes an account with a temporary password change it before anything else, ending its other sessions', async () => {
    await server.graphql(
      'mutation { createUser(input: { username: "newcomer", password: "temporary-password", role: VIEWER }) { errors { code } } }',
    );
    const first = await server.signIn('newcomer', 'temporary-password');
    const second = await server.signIn('newcomer', 'temporary-password');
    expect((await server.graphqlAs(first, '{ me { mustChangePassword } }')).data).toEqual({ me: { mustChangePassword: true } });
    expect((await server.graphqlAs(first, '{ organizations { totalCount } }')).errors?.[0]?.extensions?.code).toBe('PASSWORD_CHANGE_REQUIRED');
    expect(await webSocketCloseCode(server.graphqlUrl, first)).toBe(4403);

    const change = 'mutation Change($input: ChangePasswordInput!) { changePassword(input: $input) { me { mustChangePassword } errors { code } } }';
    const tooShort = await server.graphqlAs(first, change, { input: { currentPassword: 'temporary-password', newPassword: 'short' } });
    expect(tooShort.data).toEqual({ changePassword: { me: null, errors: [{ code: 'PASSWORD_TOO_WEAK' }] } });
    const wrong = await server.graphqlAs(first, change, { input: { currentPassword: 'wrong-password', newPassword: 'a-long-new-password' } });
    expect(wrong.data).toEqual({ changePassword: { me: null, errors: [{ code: 'INVALID_CREDENTIALS' }] } });
    const changed = await server.graphqlAs(first, change, { input: { currentPassword: 'temporary-password', newPassword: 'a-long-new-password' } });
    expect(changed.data).toEqual({ changePassword: { me: { mustChangePassword: false }, errors: [] } });

    expect((await server.graphqlAs(first, '{ organizations { totalCount } }')).data).toEqual({ organizations: { totalCount: 0 } });
    expect((await server.graphqlAs(second, me)).data).toEqual({ me: null });
    await expect(server.signIn('newcomer', 'temporary-password')).rejects.toThrow(/INVALID_CREDENTIALS/);
    await server.signIn('newcomer', 'a-long-new-password');
  });

  it('refuses a disabled account, and ends its sessions when it is disabled', async () => {
    const created = await server.graphql<{ createUser: { user: { id: string } } }>(
      'mutation { createUser(input: { username: "leaver", password: "temporary-password", role: OPERATOR }) { user { id } } }',
    );
    const session = await server.signIn('leaver', 'temporary-password');
    const disable = await server.graphql(
      'mutation Disable($id: ID!) { updateUser(input: { userId: $id, disabled: true }) { user { disabled } errors { code } } }',
      {
        id: created.data!.createUser.user.id,
      },
    );
    expect(disable.data).toEqual({ updateUser: { user: { disabled: true }, errors: [] } });
    expect((await server.graphqlAs(session, me)).data).toEqual({ me: null });
    await expect(server.signIn('leaver', 'temporary-password')).rejects.toThrow(/INVALID_CREDENTIALS/);
  });

  it('authenticates a WebSocket with the session cookie of its upgrade request, and refuses one without credentials', async () => {
    const session = await server.signIn(testAdmin.username, testAdmin.password);
    let signOut: Promise<unknown> | undefined;
    const code = await webSocketCloseCode(server.graphqlUrl, session, async () => {
      signOut = server.graphqlAs(session, 'mutation { signOut { signedOut } }');
    });
    expect(code).toBe(4401);
    expect(await signOut).toEqual({ data: { signOut: { signedOut: true } } });
    expect(await webSocketCloseCode(server.graphqlUrl, null)).toBe(4401);
    expect(await webSocketCloseCode(server.graphqlUrl, { bearer: 'bam_not-a-token' })).toBe(4401);
  });
});

describe('session expiry', () => {
  // Long enough that a loaded machine's slow requests stay well inside them; the waits are measured
  // from the sign-in, not summed from sleeps, so the time requests take counts too.
  const idleMs = 2000;
  const absoluteMs = 5000;
  const server = useTestServer({
    environment: { SESSION_IDLE_TIMEOUT_SECONDS: String(idleMs / 1000), SESSION_ABSOLUTE_TIMEOUT_SECONDS: String(absoluteMs / 1000) },
  });

  it('ends a session left idle longer than the idle timeout', async () => {
    const session = await server.signIn(testAdmin.username, testAdmin.password);
    await sleep(500);
    expect((await server.graphqlAs(session, me)).data?.me).not.toBeNull();
    const lastUsedAt = Date.now();
    await sleep(lastUsedAt + idleMs + 300 - Date.now());
    expect((await server.graphqlAs(session, me)).data).toEqual({ me: null });
  });

  it('ends an active session at the absolute timeout, and closes its WebSockets then', async () => {
    const signedInBefore = Date.now();
    const session = await server.signIn(testAdmin.username, testAdmin.password);
    const socketClosed = webSocketCloseCode(server.graphqlUrl, session);
    // Used every half second, so never idle, until shortly before the absolute timeout.
    while (Date.now() - signedInBefore < absoluteMs - 1500) {
      expect((await server.graphqlAs(session, me)).data?.me, `after ${Date.now() - signedInBefore} ms`).not.toBeNull();
      await sleep(500);
    }
    expect((await server.graphqlAs(session, me)).data?.me).not.toBeNull();
    await sleep(signedInBefore + absoluteMs + 700 - Date.now());
    expect((await server.graphqlAs(session, me)).data).toEqual({ me: null });
    expect(await socketClosed).toBe(4401);
  });
});

describe('sign-in throttling', () => {
  const server = useTestServer({ environment: { SIGN_IN_MAX_FAILURES_PER_USERNAME: '3', SIGN_IN_MAX_FAILURES_PER_IP: '6' } });

  async function attempt(username: string, password: string): Promise<string | null> {
    const body = (await (await postSignIn(server.graphqlUrl, username, password)).json()) as { data: { signIn: { errors: { code: string }[] } } };
    return body.data.signIn.errors[0]?.code ?? null;
  }

  it('refuses a username after repeated failures — even the right password — then a whole address', async () => {
    for (let index = 0; index < 3; index += 1) expect(await attempt('admin', 'guess-number-' + index)).toBe('INVALID_CREDENTIALS');
    expect(await attempt('admin', testAdmin.password)).toBe('SIGN_IN_THROTTLED');

    // The address has 3 failures; 3 more on other usernames reach its limit of 6.
    for (const username of ['alice', 'bob', 'carol']) expect(await attempt(username, 'guess')).toBe('INVALID_CREDENTIALS');
    expect(await attempt('dave', 'guess')).toBe('SIGN_IN_THROTTLED');

    const { data } = await server.graphql<{ auditLog: { edges: { node: { action: string; details: { username: string } } }[] } }>(
      '{ auditLog(filter: { actions: [SIGN_IN_FAILED, SIGN_IN_THROTTLED] }) { edges { node { action details } } } }',
    );
    const entries = data!.auditLog.edges.map(({ node }) => `${node.action} ${node.details.username}`);
    expect(entries).toEqual([
      'SIGN_IN_THROTTLED dave',
      'SIGN_IN_FAILED carol',
      'SIGN_IN_FAILED bob',
      'SIGN_IN_FAILED alice',
      'SIGN_IN_THROTTLED admin',
      'SIGN_IN_FAILED admin',
      'SIGN_IN_FAILED admin',
      'SIGN_IN_FAILED admin',
    ]);
  });
});

describe('sign-in throttling of attempts sent at once', () => {
  const server = useTestServer({ environment: { SIGN_IN_MAX_FAILURES_PER_USERNAME: '3', SIGN_IN_MAX_FAILURES_PER_IP: '8' } });
  const burst = <Result>(attempt: (index: number) => Promise<Result>) => Promise.all(Array.from({ length: 20 }, (_, index) => attempt(index)));
  const codes = (results: (string | null)[]) => ({
    checked: results.filter((code) => code === 'INVALID_CREDENTIALS').length,
    throttled: results.filter((code) => code === 'SIGN_IN_THROTTLED').length,
  });

  it('checks no more passwords than the limits allow, however many attempts arrive together; successes count for nothing once answered', async () => {
    // More successful sign-ins than the address's limit, one after another: they are not failures.
    let session = await server.signIn(testAdmin.username, testAdmin.password);
    for (let index = 0; index < 10; index += 1) session = await server.signIn(testAdmin.username, testAdmin.password);

    const changes = await burst((index) =>
      server.graphqlAs<{ changePassword: { errors: { code: string }[] } }>(
        session,
        'mutation($input: ChangePasswordInput!) { changePassword(input: $input) { errors { code } } }',
        { input: { currentPassword: `guess-number-${index}`, newPassword: 'a-new-password-long-enough' } },
      ),
    );
    expect(codes(changes.map(({ data }) => data!.changePassword.errors[0]?.code ?? null))).toEqual({ checked: 3, throttled: 17 });

    // The address has 3 failures: 3 more for another username, then its limit of 8 is 2 away.
    const signIns = await burst(async (index) => {
      const body = (await (await postSignIn(server.graphqlUrl, 'mallory', `guess-${index}`)).json()) as {
        data: { signIn: { errors: { code: string }[] } };
      };
      return body.data.signIn.errors[0]?.code ?? null;
    });
    expect(codes(signIns)).toEqual({ checked: 3, throttled: 17 });
  });
});

/** A port free right now, for a server whose log level hides the line that names its address. */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The built server at LOG_LEVEL=error on `databaseUrl`, once it answers; with its standard error apart. */
async function quietServer(databaseUrl: string) {
  const port = await freePort();
  const server = spawnServer({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'error', PORT: String(port), MASTER_KEY: randomBytes(32).toString('base64') });
  let stderr = '';
  server.child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const url = `http://127.0.0.1:${port}`;
  while (
    !(await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    ))
  ) {
    if (server.child.exitCode !== null) throw new Error(`server exited: ${server.lines.join('\n')}`);
    await sleep(100);
  }
  const stop = async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  };
  /** The one-time password once shown (it is shown after the server listens); fails if the server exits first. */
  const oneTimePassword = async () => {
    for (;;) {
      const shown = /one-time password: (\S+)/.exec(stderr);
      if (shown) return shown[1]!;
      if (server.child.exitCode !== null) throw new Error(`no one-time password shown; standard error:\n${stderr}`);
      await sleep(50);
    }
  };
  return { url, server, stderr: () => stderr, oneTimePassword, stop };
}

describe.runIf(testDatabaseKind === 'postgres')('first start', () => {
  it('without INITIAL_ADMIN_*, creates "admin" with a one-time password shown once on standard error even at LOG_LEVEL=error, to change at first sign-in', async () => {
    const database = await createTestDatabase();
    try {
      const first = await quietServer(database.url);
      let oneTimePassword: string;
      try {
        oneTimePassword = await first.oneTimePassword();
        const cookie = await signInCookie(first.url, 'admin', oneTimePassword);
        const query = async (text: string) => {
          const response = await fetch(`${first.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', cookie },
            body: JSON.stringify({ query: text }),
          });
          return (await response.json()) as { data?: { me?: unknown }; errors?: { extensions: { code: string } }[] };
        };
        expect((await query('{ me { role mustChangePassword } }')).data?.me).toEqual({ role: 'ADMINISTRATOR', mustChangePassword: true });
        expect((await query('{ users { username } }')).errors?.[0]?.extensions.code).toBe('PASSWORD_CHANGE_REQUIRED');
      } finally {
        await first.stop();
      }
      // Shown once: only in that block, and not again at the next start.
      expect(first.server.lines.filter((line) => line.includes(oneTimePassword))).toHaveLength(1);
      const second = await quietServer(database.url);
      await second.stop();
      expect(second.stderr()).not.toContain('one-time password');
    } finally {
      await database.drop();
    }
  });

  it('that cannot listen (PORT in use) shows no one-time password; the next start shows one that signs in', async () => {
    const database = await createTestDatabase();
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = taken.address() as net.AddressInfo;
      const refused = spawnServer({
        DATABASE_URL: database.url,
        LOG_LEVEL: 'error',
        PORT: String(port),
        MASTER_KEY: randomBytes(32).toString('base64'),
      });
      let refusedStderr = '';
      refused.child.stderr?.on('data', (chunk: Buffer) => (refusedStderr += chunk.toString('utf8')));
      expect(await refused.exited).toBe(1);
      expect(refused.lines.join('\n')).toContain('is in use by another process');
      expect(refusedStderr).not.toContain('one-time password');

      const next = await quietServer(database.url);
      try {
        const oneTimePassword = await next.oneTimePassword();
        // signInCookie fails unless the password signs in.
        expect(await signInCookie(next.url, 'admin', oneTimePassword)).toMatch(/^bam_session=/);
      } finally {
        await next.stop();
      }
    } finally {
      await new Promise((resolve) => taken.close(resolve));
      await database.drop();
    }
  });
});
