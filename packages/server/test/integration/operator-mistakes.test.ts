import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer } from '../support/server-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { testDatabaseKind } from '../support/test-server.js';

// Settings an operator gets wrong, and data a migration refuses: the built server, started as an operator starts it,
// must stop with exit code 1 and one log line naming the setting (or the data) and the problem — no stack, no secret. PostgreSQL only: the database is not what
// these tests are about, and it starts in a moment.

interface LogLine {
  level: number;
  msg: string;
  setting?: string;
  err?: unknown;
}

const databasePassword = 'db-Secret-Pw-4711';

describe.runIf(testDatabaseKind === 'postgres')('an operator mistake at start-up', () => {
  let database: TestDatabase;
  let folder: string;
  let databaseUrl: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    // Trust authentication: any password is accepted, so one can be checked for in the output.
    const url = new URL(database.url);
    url.password = databasePassword;
    databaseUrl = url.href;
    folder = await fs.mkdtemp(path.join(os.tmpdir(), 'bam-operator-'));
    await fs.writeFile(path.join(folder, 'a-file'), 'not a folder');
  });
  afterAll(async () => {
    await database?.drop();
    if (folder) await fs.rm(folder, { recursive: true, force: true });
  });

  /** Starts the built server on the test database with `environment`. */
  function start(environment: Record<string, string>) {
    return spawnServer({
      DATABASE_URL: databaseUrl,
      DATA_DIR: path.join(folder, 'data'),
      // A chosen first administrator: a one-time password would be shown on standard error, outside the JSON log.
      INITIAL_ADMIN_USERNAME: 'admin',
      INITIAL_ADMIN_PASSWORD: 'operator-mistakes-password',
      ...environment,
    });
  }

  /** Starts the built server on the test database with `environment`; resolves with its one fatal line once it exited 1. */
  async function refusedStart(environment: Record<string, string>): Promise<LogLine> {
    const server = start(environment);
    const started = await server.started.then(
      () => true,
      () => false,
    );
    if (started) server.child.kill('SIGTERM');
    const code = await server.exited;
    expect(started, 'the server started').toBe(false);
    const output = server.lines.join('\n');
    expect(code, output).toBe(1);
    expect(output).not.toContain(databasePassword);
    expect(output).not.toMatch(/\n\s+at |\\n\s+at |"stack"/);
    const fatal = server.lines.map((line) => JSON.parse(line) as LogLine).filter((line) => line.level === 60);
    expect(fatal, output).toHaveLength(1);
    expect(fatal[0]!.err, output).toBeUndefined();
    return fatal[0]!;
  }

  /** Waits for the server to start, then stops it. */
  async function stopped(server: ReturnType<typeof start>): Promise<void> {
    await server.started;
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }

  it('ENTRA_CA_FILE missing, or a folder', async () => {
    const missing = path.join(folder, 'missing-ca.pem');
    expect(await refusedStart({ ENTRA_CA_FILE: missing })).toMatchObject({
      setting: 'ENTRA_CA_FILE',
      msg: `ENTRA_CA_FILE: ${missing} does not exist`,
    });
    expect(await refusedStart({ ENTRA_CA_FILE: folder })).toMatchObject({
      setting: 'ENTRA_CA_FILE',
      msg: `ENTRA_CA_FILE: ${folder} is a folder, not a file`,
    });
  });

  it('ENTRA_CA_FILE that holds no valid PEM certificate', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const broken = '-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
    const files = {
      'no-pem.pem': 'not a certificate\n',
      'key-only.pem': privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      'broken.pem': broken,
    };
    for (const [name, content] of Object.entries(files)) await fs.writeFile(path.join(folder, name), content);

    for (const name of ['no-pem.pem', 'key-only.pem']) {
      const file = path.join(folder, name);
      expect(await refusedStart({ ENTRA_CA_FILE: file }), name).toMatchObject({
        setting: 'ENTRA_CA_FILE',
        msg: `ENTRA_CA_FILE: ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
      });
    }
    const file = path.join(folder, 'broken.pem');
    expect(await refusedStart({ ENTRA_CA_FILE: file })).toMatchObject({
      setting: 'ENTRA_CA_FILE',
      msg: `ENTRA_CA_FILE: certificate 1 in ${file} is not a valid X.509 certificate`,
    });
  });

  it('DATA_DIR that cannot be created, with the embedded database and with PostgreSQL (the master key file lives there)', async () => {
    const underAFile = path.join(folder, 'a-file', 'data');
    const embedded = spawnServer({ DATA_DIR: underAFile });
    expect(await embedded.exited).toBe(1);
    const fatal = embedded.lines.map((line) => JSON.parse(line) as LogLine).filter((line) => line.level === 60);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ setting: 'DATA_DIR' });
    expect(fatal[0]!.msg).toMatch(/^DATA_DIR: cannot create .*a-file\/data: a part of the path is a file, not a folder/);

    expect(await refusedStart({ DATA_DIR: underAFile })).toMatchObject({ setting: 'DATA_DIR' });
  });

  it('MASTER_KEY_FILE that cannot be created or read', async () => {
    const underAFile = path.join(folder, 'a-file', 'master.key');
    const created = await refusedStart({ MASTER_KEY_FILE: underAFile });
    expect(created).toMatchObject({ setting: 'MASTER_KEY_FILE' });
    expect(created.msg).toMatch(/^MASTER_KEY_FILE: cannot (read|create) .*a-file\/master\.key: a part of the path is a file, not a folder/);
    expect(await refusedStart({ MASTER_KEY_FILE: folder })).toMatchObject({
      setting: 'MASTER_KEY_FILE',
      msg: `MASTER_KEY_FILE: ${folder} is a folder, not a file`,
    });
  });

  it('organization names that differ only in case, met by the migration that makes names ignore case', async () => {
    const upgraded = await createTestDatabase();
    const client = new pg.Client({ connectionString: upgraded.url });
    try {
      const environment = { DATABASE_URL: upgraded.url, MASTER_KEY_FILE: path.join(folder, 'upgrade.key') };
      await stopped(start(environment));
      // The schema as the release before the migration left it, holding names it allowed.
      await client.connect();
      await client.query(`
        DROP INDEX organizations_name_idx;
        DROP INDEX organizations_name_lower_key;
        ALTER TABLE organizations ADD CONSTRAINT organizations_name_key UNIQUE (name);
        DELETE FROM migrations WHERE name = 'OrganizationNameIgnoresCase1795738301100';
        INSERT INTO organizations (name, tenant_id, region) SELECT name, gen_random_uuid(), 'Worldwide'
          FROM unnest(ARRAY['contoso.onmicrosoft.com', 'Contoso.onmicrosoft.com', 'fabrikam.onmicrosoft.com', 'FABRIKAM.onmicrosoft.com', 'northwind.onmicrosoft.com']) AS name;`);

      expect(await refusedStart(environment)).toEqual({
        level: 60,
        time: expect.any(String) as unknown,
        service: 'backup-applications-manager',
        msg:
          'The database holds organizations whose names differ only in case: Contoso.onmicrosoft.com, contoso.onmicrosoft.com; ' +
          'FABRIKAM.onmicrosoft.com, fabrikam.onmicrosoft.com. Each group is one primary domain: start the previous version, ' +
          'remove all but one organization of each group (Remove in the console, or removeOrganization), then start this version again.',
      });
      expect((await client.query(`SELECT count(*)::int AS count FROM migrations WHERE name LIKE 'OrganizationName%'`)).rows).toEqual([{ count: 0 }]);

      // As the message says.
      await client.query(`DELETE FROM organizations WHERE name IN ('Contoso.onmicrosoft.com', 'FABRIKAM.onmicrosoft.com')`);
      await stopped(start(environment));
      expect((await client.query(`SELECT indexname FROM pg_indexes WHERE indexname = 'organizations_name_lower_key'`)).rows).toHaveLength(1);
    } finally {
      await client.end();
      await upgraded.drop();
    }
  });

  it('WEB_DIST_DIR that does not exist', async () => {
    const missing = path.join(folder, 'no-web-build');
    expect(await refusedStart({ WEB_DIST_DIR: missing, MASTER_KEY_FILE: path.join(folder, 'web.key') })).toMatchObject({
      setting: 'WEB_DIST_DIR',
      msg: `WEB_DIST_DIR: ${missing} does not exist`,
    });
  });

  it('PORT in use by another process', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = taken.address() as net.AddressInfo;
      expect(await refusedStart({ PORT: String(port), MASTER_KEY_FILE: path.join(folder, 'port.key') })).toMatchObject({
        setting: 'PORT',
        msg: `PORT: 127.0.0.1:${port} is in use by another process`,
      });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
