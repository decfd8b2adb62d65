import type { Application } from '../directory/directory.js';
import type { KeyCredential } from '../directory/key-credential.js';
import type { APPLICATION_PROPERTIES } from './odata-query.js';

/**
 * An application as Graph returns it. Graph returns a key credential's `key` only for a single object
 * read with `$select=keyCredentials`; everywhere else it is null.
 */
export function applicationJson(application: Application, select: string[] | undefined, withKeyValues: boolean): Record<string, unknown> {
  const full: Record<(typeof APPLICATION_PROPERTIES)[number], unknown> = {
    id: application.id,
    appId: application.appId,
    displayName: application.displayName,
    createdDateTime: application.createdDateTime,
    deletedDateTime: null,
    signInAudience: 'AzureADMyOrg',
    keyCredentials: application.keys.map((key) => keyCredentialJson(key.credential, withKeyValues)),
    passwordCredentials: [],
  };
  if (!select) return full;
  return Object.fromEntries(select.map((name) => [name, full[name as keyof typeof full]]));
}

export function keyCredentialJson(credential: KeyCredential, withKeyValue: boolean): Record<string, unknown> {
  return { ...credential, key: withKeyValue ? credential.key : null };
}
