import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { masterKeyId, MasterKeyError, PrivateKeyVault } from './private-key-vault.js';

const silent = pino({ level: 'silent' });
const thumbprint = 'A'.repeat(40);

describe('PrivateKeyVault', () => {
  it('seals with a fresh nonce each time and opens only with the right key and thumbprint', () => {
    const key = randomBytes(32);
    const vault = PrivateKeyVault.withKey(key);
    const secret = randomBytes(1200);
    const first = vault.seal(secret, thumbprint);
    const second = vault.seal(secret, thumbprint);
    expect(first.ciphertext.equals(second.ciphertext)).toBe(false);
    expect(first.ciphertext.includes(secret.subarray(0, 32))).toBe(false);
    expect(first.masterKeyId).toBe(masterKeyId(key));
    expect(vault.open(first, thumbprint).equals(secret)).toBe(true);

    expect(() => vault.open(first, 'B'.repeat(40))).toThrow();
    const tampered = Buffer.from(first.ciphertext);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => vault.open({ ...first, ciphertext: tampered }, thumbprint)).toThrow();
    expect(() => PrivateKeyVault.withKey(randomBytes(32)).open(first, thumbprint)).toThrow(MasterKeyError);
  });

  it('creates the key file owner-only on first start, reuses it after, and refuses to replace a lost one', async () => {
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'bam-vault-'));
    try {
      const file = path.join(directory, 'keys', 'master.key');
      const settings = { current: undefined, previous: [], file, fileSetting: 'DATA_DIR' as const };
      const created = await PrivateKeyVault.open(settings, silent, { createIfMissing: true });
      expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
      const reopened = await PrivateKeyVault.open(settings, silent, { createIfMissing: true });
      expect(reopened.currentKeyId).toBe(created.currentKeyId);
      await fs.rm(file);
      await expect(PrivateKeyVault.open(settings, silent, { createIfMissing: false })).rejects.toThrow(MasterKeyError);
      await expect(fs.stat(file)).rejects.toThrow();
    } finally {
      await fs.rm(directory, { recursive: true, force: true });
    }
  });

  it('refuses a key file holding anything but canonical base64 of 32 bytes, without quoting it', async () => {
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'bam-vault-'));
    try {
      const file = path.join(directory, 'master.key');
      // Decodes to 32 bytes through Node's lenient decoder, which skips what is not base64.
      const passphrase = 'correct horse battery staple; correct horse batter';
      await fs.writeFile(file, `${passphrase}\n`, { mode: 0o600 });
      const opening = PrivateKeyVault.open({ current: undefined, previous: [], file, fileSetting: 'MASTER_KEY_FILE' }, silent, {
        createIfMissing: false,
      });
      await expect(opening).rejects.toThrow(/does not hold a 32-byte base64 key/);
      await expect(opening).rejects.not.toThrow(passphrase);
    } finally {
      await fs.rm(directory, { recursive: true, force: true });
    }
  });

  it('opens keys sealed under a previous master key, and seals only under the current one', async () => {
    const [old, current] = [randomBytes(32), randomBytes(32)];
    const sealed = PrivateKeyVault.withKey(old).seal(Buffer.from('key'), thumbprint);
    const vault = await PrivateKeyVault.open({ current, previous: [old], file: '/nonexistent/master.key', fileSetting: 'DATA_DIR' }, silent, {
      createIfMissing: false,
    });
    expect(vault.open(sealed, thumbprint).toString()).toBe('key');
    expect(vault.seal(Buffer.from('key'), thumbprint).masterKeyId).toBe(masterKeyId(current));
  });
});
