import { createHash, randomBytes } from 'node:crypto';

/** Prefix of API token secrets, so secret scanners and people recognise a leaked token. */
export const API_TOKEN_PREFIX = 'bam_';

/** A new random secret (256 bits) for a session cookie or, prefixed, an API token. */
export function newSecret(prefix = ''): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 suffices for 256-bit random secrets (no guessing to slow down) and keeps every request cheap. */
export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}
