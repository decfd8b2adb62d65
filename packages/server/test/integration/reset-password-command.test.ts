import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommandLine } from '../support/command-line.js';
import { spawnServer } from '../support/server-process.js';
import { signInCookie } from '../support/sign-in.js';
import { createTestDatabase } from '../support/test-database.js';
import { testDatabaseKind } from '../support/test-server.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// `cli.js reset-password` against the database of a running server (PostgreSQL: several processes may use it).
describe.runIf(testDatabaseKind === 'postgres')('reset-password', () => {
  it('sets a one-time password shown once, ends the sessions, audits it, and refuses a disabled account unless --enable', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bam-reset-'));
    cleanups.push(() => fs.rm(dataDir, { recursive: true, force: true }));
    const admin = { username: 'reset-admin', password: randomBytes(16).toString('hex') };
    const environment = { DATABASE_URL: database.url, DATA_DIR: dataDir, MASTER_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'error' };
    const server = spawnServer({ ...environment, LOG_LEVEL: 'info', INITIAL_ADMIN_USERNAME: admin.username, INITIAL_ADMIN_PASSWORD: admin.password });
    cleanups.push(async () => {
      server.child.kill('SIGTERM');
      await server.exited;
    });
    const url = await server.started;
    const graphql = async (cookie: string, query: string, variables?: Record<string, unknown>) => {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as { data?: Record<string, { user?: { id: string } } & Record<string, unknown>>; errors?: unknown[] };
    };
    const adminCookie = await signInCookie(url, admin.username, admin.password);
    const created = await graphql(
      adminCookie,
      `
        mutation ($input: CreateUserInput!) {
          createUser(input: $input) {
            user {
              id
            }
            errors {
              code
            }
          }
        }
      `,
      {
        input: { username: 'carol', password: 'carol-first-password', role: 'VIEWER' },
      },
    );
    const carolId = created.data!.createUser!.user!.id;
    const carolCookie = await signInCookie(url, 'carol', 'carol-first-password');

    const reset = await runCommandLine(['reset-password', 'carol'], environment);
    expect(reset, reset.stderr).toMatchObject({ code: 0 });
    const newPassword = /one-time password: (\S+)/.exec(reset.stdout)?.[1];
    expect(newPassword).toBeDefined();
    // Her session ended; the new password signs in and must be changed.
    const ended = await graphql(carolCookie, '{ me { name } }');
    expect(ended.data?.me ?? null).toBeNull();
    expect(JSON.stringify(ended)).not.toContain('carol');
    const newCookie = await signInCookie(url, 'carol', newPassword!);
    expect((await graphql(newCookie, '{ me { mustChangePassword } }')).data?.me).toEqual({ mustChangePassword: true });
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    cleanups.push(() => client.end());
    const { rows } = await client.query(
      `SELECT actor_kind, actor_name, details FROM audit_log WHERE action = 'USER_UPDATED' ORDER BY id DESC LIMIT 1`,
    );
    expect(rows[0]).toMatchObject({ actor_kind: 'SYSTEM', actor_name: 'command line', details: { username: 'carol', passwordReset: true } });
    expect(JSON.stringify(rows)).not.toContain(newPassword);

    // A disabled account stays disabled unless the operator says otherwise.
    await graphql(
      adminCookie,
      `
        mutation ($input: UpdateUserInput!) {
          updateUser(input: $input) {
            errors {
              code
            }
          }
        }
      `,
      {
        input: { userId: carolId, disabled: true },
      },
    );
    const refused = await runCommandLine(['reset-password', 'carol'], environment);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--enable');
    expect(refused.stdout).toBe('');
    const enabled = await runCommandLine(['reset-password', 'carol', '--enable'], environment);
    expect(enabled.code, enabled.stderr).toBe(0);
    const enabledPassword = /one-time password: (\S+)/.exec(enabled.stdout)?.[1];
    await signInCookie(url, 'carol', enabledPassword!);

    const unknown = await runCommandLine(['reset-password', 'nobody'], environment);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('USER_NOT_FOUND');
  });
});
