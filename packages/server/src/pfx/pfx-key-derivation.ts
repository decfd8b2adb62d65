import { hash } from 'node:crypto';
import { ErrorCode } from '@bam/shared';
import { DomainError } from '../common/domain-error.js';
import { DerError, smallInteger, type DerElement } from './der-reader.js';
import { iterateDigest } from './iterated-digest.js';

/** Digests a PKCS#12 file may name for its MAC, the PKCS#12 KDF or PBKDF2's HMAC, by Node's name. */
export type Digest = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512' | 'sha512-224' | 'sha512-256';

// Output size, and the input block size the PKCS#12 KDF works in, in bytes.
const digestSizes: Record<Digest, { output: number; block: number }> = {
  sha1: { output: 20, block: 64 },
  sha224: { output: 28, block: 64 },
  sha256: { output: 32, block: 64 },
  sha384: { output: 48, block: 128 },
  sha512: { output: 64, block: 128 },
  'sha512-224': { output: 28, block: 128 },
  'sha512-256': { output: 32, block: 128 },
};

export function digestLength(digest: Digest): number {
  return digestSizes[digest].output;
}

/**
 * The password in the forms PKCS#12 algorithms take it: OpenSSL 3 feeds PBKDF2 its UTF-8 bytes and
 * the PKCS#12 KDF (MAC and legacy PBEs) its BMPString, UTF-16BE with a 00 00 terminator.
 */
export interface PfxPassword {
  /** No password was given (the empty string). */
  empty: boolean;
  utf8: Buffer;
  /**
   * BMPString encodings to try, most likely first. Tools write an empty password either as the bare
   * terminator or as no bytes at all; OpenSSL's PKCS12_parse tries both, and so do we.
   */
  bmpCandidates: Buffer[];
}

export function pfxPassword(text: string): PfxPassword {
  const bmp = Buffer.concat([Buffer.from(text, 'utf16le').swap16(), Buffer.alloc(2)]);
  return {
    empty: text === '',
    utf8: Buffer.from(text, 'utf8'),
    bmpCandidates: text === '' ? [bmp, Buffer.alloc(0)] : [bmp],
  };
}

/** The error for a password that does not open the file. */
export function rejectedPassword(password: PfxPassword): DomainError {
  return new DomainError(password.empty ? ErrorCode.PFX_PASSWORD_REQUIRED : ErrorCode.PFX_WRONG_PASSWORD);
}

/**
 * Iteration counts above this are refused as unsupported: a crafted file could otherwise keep a
 * worker busy for hours. Tools write 2,000–600,000; one million takes about a second.
 */
export const maxIterations = 1_000_000;

export function iterationCount(element: DerElement | undefined): number {
  const iterations = smallInteger(element);
  if (iterations < 1) throw new DerError();
  if (iterations > maxIterations) throw new DomainError(ErrorCode.PFX_UNSUPPORTED_ALGORITHM);
  return iterations;
}

/** What the PKCS#12 KDF derives; the ID byte keeps the three outputs independent. */
export const Pkcs12KeyPurpose = { key: 1, iv: 2, mac: 3 } as const;
export type Pkcs12KeyPurpose = (typeof Pkcs12KeyPurpose)[keyof typeof Pkcs12KeyPurpose];

/**
 * The PKCS#12 key derivation function (RFC 7292, appendix B.2): node:crypto hashes the long input,
 * `iterateDigest` runs the thousands of short rounds (node-forge's version is an order of magnitude slower).
 */
export function pkcs12Kdf(digest: Digest, bmpPassword: Buffer, salt: Buffer, purpose: Pkcs12KeyPurpose, iterations: number, length: number): Buffer {
  const { block } = digestSizes[digest];
  const diversifier = Buffer.alloc(block, purpose);
  const input = Buffer.concat([repeatToBlocks(salt, block), repeatToBlocks(bmpPassword, block)]);
  const output = Buffer.alloc(length);
  for (let produced = 0; ;) {
    const a = iterateDigest(digest, hash(digest, Buffer.concat([diversifier, input]), 'buffer'), iterations - 1);
    produced += a.copy(output, produced);
    if (produced === length) return output;
    // Each block of the input becomes (block + B + 1) mod 2^(8·block), B being `a` repeated.
    const b = repeatToBlocks(a, block);
    for (let offset = 0; offset < input.length; offset += block) addBigEndian(input, offset, b);
  }
}

/** `bytes` repeated up to the next multiple of `block` bytes (empty stays empty). */
function repeatToBlocks(bytes: Buffer, block: number): Buffer {
  const repeated = Buffer.alloc(Math.ceil(bytes.length / block) * block);
  for (let offset = 0; offset < repeated.length; offset += bytes.length) bytes.copy(repeated, offset);
  return repeated;
}

/** Adds `b` plus one to the `b.length`-byte big-endian number at `offset` of `target`, modulo its size. */
function addBigEndian(target: Buffer, offset: number, b: Buffer): void {
  let carry = 1;
  for (let index = b.length - 1; index >= 0; index--) {
    const sum = target[offset + index]! + b[index]! + carry;
    target[offset + index] = sum & 0xff;
    carry = sum >> 8;
  }
}
