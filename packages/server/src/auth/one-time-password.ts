import { newSecret } from './credential-secret.js';

/** A password given to an operator to sign in once: the account must change it at that sign-in. */
export function newOneTimePassword(): string {
  return newSecret().slice(0, 20);
}

/**
 * The first operator's only way in: written straight to standard error, whatever LOG_LEVEL hides, and
 * kept out of the JSON log that log collectors keep. Shown once; it works once (it must be changed).
 */
export function showOneTimePassword(username: string, oneTimePassword: string): void {
  process.stderr.write(
    [
      '',
      '==================================================================',
      `  Account "${username}": one-time password: ${oneTimePassword}`,
      '  Sign in with it now; a new password is required at first sign-in.',
      '  It is shown only this once.',
      '==================================================================',
      '',
      '',
    ].join('\n'),
  );
}
