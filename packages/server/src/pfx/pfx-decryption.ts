import { createDecipheriv, pbkdf2Sync } from 'node:crypto';
import { ErrorCode } from '@bam/shared';
import { DomainError } from '../common/domain-error.js';
import { children, DerError, expectTag, octets, oid, smallInteger, Tag, type DerElement } from './der-reader.js';
import { iterationCount, pkcs12Kdf, Pkcs12KeyPurpose, rejectedPassword, type Digest, type PfxPassword } from './pfx-key-derivation.js';
import { rc2BlockSize, rc2CbcDecrypt } from './rc2.js';

type CbcCipher = 'aes-128-cbc' | 'aes-192-cbc' | 'aes-256-cbc' | 'des-ede3-cbc' | 'des-ede-cbc' | 'rc2-cbc';

interface CipherSpec {
  cipher: CbcCipher;
  keyLength: number;
  ivLength: number;
}

/**
 * The pbeWithSHAAnd… schemes of RFC 7292 appendix C, keyed by OID. The RC4 ones are left out: no
 * current tool writes them and Node's OpenSSL lacks RC4.
 */
const pkcs12Schemes: Record<string, CipherSpec> = {
  '1.2.840.113549.1.12.1.3': { cipher: 'des-ede3-cbc', keyLength: 24, ivLength: 8 },
  '1.2.840.113549.1.12.1.4': { cipher: 'des-ede-cbc', keyLength: 16, ivLength: 8 },
  '1.2.840.113549.1.12.1.5': { cipher: 'rc2-cbc', keyLength: 16, ivLength: 8 },
  '1.2.840.113549.1.12.1.6': { cipher: 'rc2-cbc', keyLength: 5, ivLength: 8 },
};

const pbes2 = '1.2.840.113549.1.5.13';
const pbkdf2 = '1.2.840.113549.1.5.12';

const pbes2Ciphers: Record<string, CipherSpec> = {
  '2.16.840.1.101.3.4.1.2': { cipher: 'aes-128-cbc', keyLength: 16, ivLength: 16 },
  '2.16.840.1.101.3.4.1.22': { cipher: 'aes-192-cbc', keyLength: 24, ivLength: 16 },
  '2.16.840.1.101.3.4.1.42': { cipher: 'aes-256-cbc', keyLength: 32, ivLength: 16 },
  '1.2.840.113549.3.7': { cipher: 'des-ede3-cbc', keyLength: 24, ivLength: 8 },
};

/** PBKDF2's pseudo-random functions: hmacWithSHA1 … hmacWithSHA512-256. */
const pbkdf2Prfs: Record<string, Digest> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
  '1.2.840.113549.2.12': 'sha512-224',
  '1.2.840.113549.2.13': 'sha512-256',
};

/** A password-based encryption scheme, read and checked, not yet keyed. */
export interface PasswordEncryption {
  /** The iteration count its key derivation runs: what a decryption costs. */
  iterations: number;
  /**
   * OpenSSL can decrypt a key bag under this scheme itself, deriving the key natively: true for
   * PKCS#12's 3DES scheme, whose key derivation is slow in JavaScript. (Its RC2 schemes are in
   * OpenSSL's legacy provider, which Node does not load; PBES2 already derives natively here.)
   */
  nativeKeyBag: boolean;
  /** @throws DomainError the password's rejection when it does not decrypt. */
  decrypt(ciphertext: Buffer, password: PfxPassword): Buffer;
}

/**
 * The password-based scheme that `algorithm` (an AlgorithmIdentifier) names: PBES2 with PBKDF2, or
 * one of PKCS#12's own schemes. Reading it derives nothing, so its cost is known before it is paid.
 * @throws DomainError PFX_UNSUPPORTED_ALGORITHM.
 */
export function passwordEncryption(algorithm: DerElement): PasswordEncryption {
  const [schemeElement, parameters] = children(expectTag(algorithm, Tag.sequence));
  const scheme = oid(schemeElement);
  if (scheme === pbes2) return pbes2Encryption(expectTag(parameters, Tag.sequence));
  const spec = pkcs12Schemes[scheme];
  if (!spec) throw unsupported();
  return pkcs12SchemeEncryption(spec, expectTag(parameters, Tag.sequence));
}

function pkcs12SchemeEncryption(spec: CipherSpec, parameters: DerElement): PasswordEncryption {
  const [saltElement, iterationsElement] = children(parameters);
  const salt = octets(expectTag(saltElement, Tag.octetString));
  const iterations = iterationCount(iterationsElement);
  return {
    iterations,
    nativeKeyBag: spec.cipher === 'des-ede3-cbc',
    decrypt(ciphertext, password) {
      for (const bmp of password.bmpCandidates) {
        const key = pkcs12Kdf('sha1', bmp, salt, Pkcs12KeyPurpose.key, iterations, spec.keyLength);
        const iv = pkcs12Kdf('sha1', bmp, salt, Pkcs12KeyPurpose.iv, iterations, spec.ivLength);
        const plaintext = decipher(spec.cipher, key, iv, ciphertext);
        if (plaintext) return plaintext;
      }
      throw rejectedPassword(password);
    },
  };
}

function pbes2Encryption(parameters: DerElement): PasswordEncryption {
  const [keyDerivation, encryptionScheme] = children(parameters);
  const [kdfElement, kdfParameters] = children(expectTag(keyDerivation, Tag.sequence));
  // scrypt (RFC 7914) is the other KDF PBES2 files may name.
  if (oid(kdfElement) !== pbkdf2) throw unsupported();
  // PBKDF2-params: salt, iterationCount, keyLength OPTIONAL, prf DEFAULT hmacWithSHA1.
  const [saltElement, iterationsElement, ...optional] = children(expectTag(kdfParameters, Tag.sequence));
  const salt = octets(expectTag(saltElement, Tag.octetString));
  const iterations = iterationCount(iterationsElement);
  const keyLength = optional[0]?.tag === Tag.integer ? smallInteger(optional.shift()) : undefined;
  const prfAlgorithm = optional[0];
  const prf = prfAlgorithm ? pbkdf2Prfs[oid(children(expectTag(prfAlgorithm, Tag.sequence))[0])] : 'sha1';

  const [cipherElement, ivElement] = children(expectTag(encryptionScheme, Tag.sequence));
  const spec = pbes2Ciphers[oid(cipherElement)];
  if (!prf || !spec) throw unsupported();
  const iv = expectTag(ivElement, Tag.octetString).content;
  if (iv.length !== spec.ivLength || (keyLength !== undefined && keyLength !== spec.keyLength)) throw new DerError();

  return {
    iterations,
    nativeKeyBag: false,
    decrypt(ciphertext, password) {
      const key = pbkdf2Sync(password.utf8, salt, iterations, spec.keyLength, prf);
      const plaintext = decipher(spec.cipher, key, iv, ciphertext);
      if (!plaintext) throw rejectedPassword(password);
      return plaintext;
    },
  };
}

/** CBC decryption with PKCS#7 padding; null when the padding is wrong, as a wrong key nearly always makes it. */
function decipher(cipher: CbcCipher, key: Buffer, iv: Buffer, ciphertext: Buffer): Buffer | null {
  if (cipher === 'rc2-cbc') return decipherRc2(key, iv, ciphertext);
  const decipher = createDecipheriv(cipher, key, iv);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    return null;
  }
}

/** RC2 has no place in Node's OpenSSL (see rc2.ts); its key length sets the effective key bits (40 or 128). */
function decipherRc2(key: Buffer, iv: Buffer, ciphertext: Buffer): Buffer | null {
  if (ciphertext.length % rc2BlockSize !== 0) return null;
  return removePadding(rc2CbcDecrypt(key, key.length * 8, iv, ciphertext));
}

/** PKCS#7 padding, checked strictly: a wrong key nearly always leaves something else. */
function removePadding(padded: Buffer): Buffer | null {
  const count = padded.at(-1) ?? 0;
  if (count < 1 || count > rc2BlockSize) return null;
  const padding = padded.subarray(padded.length - count);
  return padding.every((byte) => byte === count) ? padded.subarray(0, padded.length - count) : null;
}

function unsupported(): DomainError {
  return new DomainError(ErrorCode.PFX_UNSUPPORTED_ALGORITHM);
}
