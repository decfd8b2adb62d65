import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { OperatorError, onSettingPath, settingPathError } from '../common/operator-error.js';
import { decodeMasterKey, MASTER_KEY_BYTES } from '../config/master-key-encoding.js';
import type { Logger } from '../logging/logger.js';

const FORMAT_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A master key that is missing or wrong: named by the setting that gives it (MASTER_KEY, MASTER_KEY_FILE, or DATA_DIR for its default file). */
export class MasterKeyError extends OperatorError {
  override name = 'MasterKeyError';
}

export interface MasterKeySettings {
  /** From configuration (MASTER_KEY); when absent the key is read from, or created in, `file`. */
  current: Buffer | undefined;
  /** Earlier keys, accepted for decryption only. */
  previous: Buffer[];
  file: string;
  /** The setting that names `file`, for messages: MASTER_KEY_FILE, or DATA_DIR when the file is its default. */
  fileSetting: 'MASTER_KEY_FILE' | 'DATA_DIR';
}

export interface SealedPrivateKey {
  ciphertext: Buffer;
  masterKeyId: string;
}

/** Short public identifier of a master key: which key sealed a private key, without revealing it. */
export function masterKeyId(key: Buffer): string {
  return createHash('sha256').update('bam-master-key-id').update(key).digest('hex').slice(0, 16);
}

/**
 * Encrypts private keys at rest with AES-256-GCM under the master key: a fresh random nonce per
 * encryption, and the certificate thumbprint as associated data, so a ciphertext cannot be moved
 * to another certificate's row. Earlier master keys stay usable for decryption during rotation.
 */
export class PrivateKeyVault {
  readonly currentKeyId: string;
  readonly #keys: Map<string, Buffer>;

  private constructor(current: Buffer, previous: Buffer[]) {
    this.currentKeyId = masterKeyId(current);
    this.#keys = new Map([...previous, current].map((key) => [masterKeyId(key), key]));
  }

  /**
   * Opens the vault. Without a configured key, reads the key file, or creates it (owner-only
   * permissions) on first start — only then: when private keys are stored already, a missing file
   * means a lost key, and a new one would hide that. Retired key files (`<file>.retired-*`) stay readable.
   */
  static async open(settings: MasterKeySettings, logger: Logger, options: { createIfMissing: boolean }): Promise<PrivateKeyVault> {
    const retired = await readRetiredKeyFiles(settings.file);
    const current = settings.current ?? (await readOrCreateKeyFile(settings, logger, options.createIfMissing));
    return new PrivateKeyVault(current, [...settings.previous, ...retired]);
  }

  /** A vault for one key, for tests and tools. */
  static withKey(key: Buffer): PrivateKeyVault {
    return new PrivateKeyVault(key, []);
  }

  knows(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  seal(privateKeyDer: Buffer, thumbprint: string): SealedPrivateKey {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(this.currentKeyId)!, nonce);
    cipher.setAAD(associatedData(thumbprint));
    const encrypted = Buffer.concat([cipher.update(privateKeyDer), cipher.final()]);
    return {
      ciphertext: Buffer.concat([Buffer.from([FORMAT_VERSION]), nonce, cipher.getAuthTag(), encrypted]),
      masterKeyId: this.currentKeyId,
    };
  }

  /** The PKCS#8 DER of a sealed key. Callers wipe it (`fill(0)`) once done. */
  open(sealed: SealedPrivateKey, thumbprint: string): Buffer {
    const key = this.#keys.get(sealed.masterKeyId);
    if (!key)
      throw new MasterKeyError('MASTER_KEY', `A private key is sealed with master key ${sealed.masterKeyId}, which this server does not have.`);
    const { ciphertext } = sealed;
    if (ciphertext[0] !== FORMAT_VERSION) throw new MasterKeyError('MASTER_KEY', 'A sealed private key has an unknown format.');
    const nonce = ciphertext.subarray(1, 1 + NONCE_BYTES);
    const tag = ciphertext.subarray(1 + NONCE_BYTES, 1 + NONCE_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(associatedData(thumbprint));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext.subarray(1 + NONCE_BYTES + TAG_BYTES)), decipher.final()]);
  }
}

function associatedData(thumbprint: string): Buffer {
  return Buffer.from(`bam-private-key:v${FORMAT_VERSION}:${thumbprint}`);
}

async function readOrCreateKeyFile({ file, fileSetting }: MasterKeySettings, logger: Logger, createIfMissing: boolean): Promise<Buffer> {
  const existing = await readKeyFile(file, fileSetting, logger);
  if (existing) return existing;
  if (!createIfMissing) {
    throw new MasterKeyError(
      fileSetting,
      `The master key file ${file} is missing, but the database holds private keys or secrets sealed with it. Restore it from your backup.`,
    );
  }
  const folder = path.dirname(file);
  await onSettingPath(fileSetting, folder, 'create', fs.mkdir(folder, { recursive: true, mode: 0o700 }));
  const key = randomBytes(MASTER_KEY_BYTES);
  try {
    // 'wx': never overwrite a key another process created meanwhile.
    await onSettingPath(fileSetting, file, 'create', fs.writeFile(file, `${key.toString('base64')}\n`, { flag: 'wx', mode: 0o600 }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await readKeyFile(file, fileSetting, logger))!;
    throw error;
  }
  logger.warn({ file }, 'created a new master key file for private keys: back it up — without it the stored private keys cannot be used');
  return key;
}

/** The key in `file`, or undefined when there is no such file. */
async function readKeyFile(file: string, fileSetting: MasterKeySettings['fileSetting'], logger: Logger): Promise<Buffer | undefined> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw settingPathError(fileSetting, file, 'read', error);
  }
  if (stat.isDirectory()) throw new OperatorError(fileSetting, `${file} is a folder, not a file`);
  if ((stat.mode & 0o077) !== 0) logger.warn({ file }, 'the master key file is readable by other users: run chmod 600 on it');
  const key = decodeMasterKey(await onSettingPath(fileSetting, file, 'read', fs.readFile(file, 'utf8')));
  if (!key) throw new MasterKeyError(fileSetting, `The master key file ${file} does not hold a 32-byte base64 key.`);
  return key;
}

async function readRetiredKeyFiles(file: string): Promise<Buffer[]> {
  const directory = path.dirname(file);
  const prefix = `${path.basename(file)}.retired-`;
  let names: string[];
  try {
    names = await fs.readdir(directory);
  } catch {
    return [];
  }
  const keys: Buffer[] = [];
  for (const name of names.filter((candidate) => candidate.startsWith(prefix)).sort()) {
    const key = decodeMasterKey(await fs.readFile(path.join(directory, name), 'utf8'));
    if (key) keys.push(key);
  }
  return keys;
}

/**
 * Replaces the key file's master key with a new one. The old key is kept beside it as
 * `<file>.retired-<time>` until every private key has been re-encrypted; the caller does that next.
 */
export async function rotateMasterKeyFile(file: string): Promise<{ retiredFile: string }> {
  const oldKey = await fs.readFile(file);
  const retiredFile = `${file}.retired-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  await fs.writeFile(retiredFile, oldKey, { flag: 'wx', mode: 0o600 });
  const temporary = `${file}.new`;
  await fs.writeFile(temporary, `${randomBytes(MASTER_KEY_BYTES).toString('base64')}\n`, { flag: 'w', mode: 0o600 });
  // rename is atomic: the key file always holds a whole key, old or new.
  await fs.rename(temporary, file);
  return { retiredFile };
}
