import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { masterKeyId } from '../../src/key-custody/private-key-vault.js';
import { runCommandLine } from '../support/command-line.js';
import { opensslPfx } from '../support/pfx-fixtures.js';
import { createTestDatabase } from '../support/test-database.js';
import { startTestServer, testDatabaseKind } from '../support/test-server.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function workspace(): Promise<{ dataDir: string; databaseUrl: string }> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bam-keys-'));
  const database = await createTestDatabase();
  cleanups.push(
    () => fs.rm(dataDir, { recursive: true, force: true }),
    () => database.drop(),
  );
  return { dataDir, databaseUrl: database.url };
}

/** Runs the operator command line as an operator would; resolves with its exit code and output. */
async function operator(args: string[], environment: Record<string, string>, input?: string) {
  const { code, stdout, stderr } = await runCommandLine(args, { LOG_LEVEL: 'warn', ...environment }, input);
  return { code, output: stdout + stderr };
}

async function storedKeyIds(databaseUrl: string, dataDir: string): Promise<string[]> {
  const server = await startTestServer({ databaseUrl, dataDir, environment: { LOG_LEVEL: 'warn' } });
  try {
    const rows: { id: string }[] = await server.database.dataSource.query(
      'SELECT private_key_master_key_id AS id FROM certificates WHERE private_key_master_key_id IS NOT NULL',
    );
    return rows.map((row) => row.id);
  } finally {
    await server.stop();
  }
}

describe.runIf(testDatabaseKind === 'postgres')('master key and operator commands', () => {
  it('imports a PFX from the command line, then rotates the key file, re-encrypting every private key', async () => {
    const { dataDir, databaseUrl } = await workspace();
    const environment = { DATABASE_URL: databaseUrl, DATA_DIR: dataDir };
    const pfx = opensslPfx({ password: 'cli-secret' });
    const pfxPath = path.join(dataDir, 'operator.pfx');
    await fs.writeFile(pfxPath, pfx.file);

    const imported = await operator(['import-certificate', pfxPath, '--password-stdin'], environment, 'cli-secret\n');
    expect(imported).toMatchObject({ code: 0 });
    expect(imported.output).toContain(pfx.thumbprint);
    expect(imported.output).not.toContain('cli-secret');
    const again = await operator(['import-certificate', pfxPath], { ...environment, PFX_PASSWORD: 'cli-secret' });
    expect(again.code).toBe(2);
    expect(again.output).toContain('STORE_CERTIFICATE_EXISTS');

    const keyFile = path.join(dataDir, 'master.key');
    const oldKey = await fs.readFile(keyFile, 'utf8');
    const rotated = await operator(['rotate-master-key'], environment);
    expect(rotated.code, rotated.output).toBe(0);
    const newKey = Buffer.from((await fs.readFile(keyFile, 'utf8')).trim(), 'base64');
    expect(newKey.toString('base64')).not.toBe(oldKey.trim());
    expect((await fs.stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await storedKeyIds(databaseUrl, dataDir)).toEqual([masterKeyId(newKey)]);

    // Once re-encrypted, the retired key is not needed any more; without the current one, nothing starts.
    for (const name of await fs.readdir(dataDir)) if (name.startsWith('master.key.retired-')) await fs.rm(path.join(dataDir, name));
    const server = await startTestServer({ databaseUrl, dataDir, environment: { LOG_LEVEL: 'warn' } });
    const { data } = await server.graphql<{ certificateStore: { usable: boolean }[] }>('{ certificateStore { usable } }');
    expect(data!.certificateStore).toEqual([{ usable: true }]);
    await server.stop();
    await fs.rm(keyFile);
    await expect(startTestServer({ databaseUrl, dataDir })).rejects.toThrow(/master key file .* is missing/);
    await expect(fs.stat(keyFile)).rejects.toThrow();
  });

  it('refuses to rotate the key file while a server runs on the database, changing nothing', async () => {
    const { dataDir, databaseUrl } = await workspace();
    const server = await startTestServer({ databaseUrl, dataDir, environment: { LOG_LEVEL: 'warn' } });
    cleanups.push(() => server.stop());
    const keyFile = path.join(dataDir, 'master.key');
    const key = await fs.readFile(keyFile, 'utf8');

    // The running server would go on sealing with the key it holds, which the rotation retires.
    const refused = await operator(['rotate-master-key'], { DATABASE_URL: databaseUrl, DATA_DIR: dataDir });
    expect(refused.code).toBe(2);
    expect(refused.output).toContain('Stop every server on this database first');
    expect(await fs.readFile(keyFile, 'utf8')).toBe(key);
    expect((await fs.readdir(dataDir)).filter((name) => name.startsWith('master.key.retired-'))).toEqual([]);
  });

  it('re-encrypts under a new MASTER_KEY at start-up while MASTER_KEY_PREVIOUS names the old one', async () => {
    const { dataDir, databaseUrl } = await workspace();
    const [first, second] = [randomBytes(32), randomBytes(32)];
    const withKeys = (current: Buffer, previous?: Buffer) => ({
      LOG_LEVEL: 'warn',
      MASTER_KEY: current.toString('base64'),
      ...(previous && { MASTER_KEY_PREVIOUS: previous.toString('base64') }),
    });

    const server = await startTestServer({ databaseUrl, dataDir, environment: withKeys(first) });
    const pfx = opensslPfx();
    await server.upload(
      'mutation($input: ImportCertificateInput!) { importCertificate(input: $input) { errors { code } } }',
      { input: { file: null, password: pfx.password } },
      { path: 'variables.input.file', content: pfx.file },
    );
    await server.stop();
    // A configured key means no key file is written.
    await expect(fs.stat(path.join(dataDir, 'master.key'))).rejects.toThrow();

    await expect(startTestServer({ databaseUrl, dataDir, environment: withKeys(second) })).rejects.toThrow(/does not have/);
    const rotating = await startTestServer({ databaseUrl, dataDir, environment: withKeys(second, first) });
    await rotating.stop();
    const rotated = await startTestServer({ databaseUrl, dataDir, environment: withKeys(second) });
    const rows: { id: string }[] = await rotated.database.dataSource.query('SELECT private_key_master_key_id AS id FROM certificates');
    expect(rows).toEqual([{ id: masterKeyId(second) }]);
    await rotated.stop();
  });

  it('refuses to replace a lost key file when only webhook secrets are sealed with it', async () => {
    const { dataDir, databaseUrl } = await workspace();
    const server = await startTestServer({ databaseUrl, dataDir, environment: { LOG_LEVEL: 'warn' } });
    const { data } = await server.graphql<{ createWebhookEndpoint: { errors: unknown[] } }>(
      'mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { errors { code } } }',
      { input: { url: 'https://hooks.example.com/bam', eventTypes: ['CERTIFICATE_UPDATED'] } },
    );
    expect(data!.createWebhookEndpoint.errors).toEqual([]);
    await server.stop();

    // No private key is stored: the signing secret alone needs the key file.
    await fs.rm(path.join(dataDir, 'master.key'));
    await expect(startTestServer({ databaseUrl, dataDir })).rejects.toThrow(/master key file .* is missing/);
    await expect(fs.stat(path.join(dataDir, 'master.key'))).rejects.toThrow();
  });
});
