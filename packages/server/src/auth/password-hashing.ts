import { hash, verify } from '@node-rs/argon2';

/** argon2id (the library's default) with its recommended cost: 19 MiB, 2 passes. */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

// Verified against when the username is unknown, so a refusal takes as long either way.
const unknownUserHash = hashPassword('no account has this password');

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  const verified = await verify(passwordHash ?? (await unknownUserHash), password);
  return verified && passwordHash !== null;
}

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export function isAcceptablePassword(password: string): boolean {
  return password.length >= PASSWORD_MIN_LENGTH && password.length <= PASSWORD_MAX_LENGTH;
}
