import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { KeyCredentialInput } from './key-credential.js';

/** The JSON a directory is seeded from: tenants, their applications, permissions and certificates. */
export interface Seed {
  tenants: SeedTenant[];
}

export interface SeedTenant {
  /** Tenant id (GUID). */
  id: string;
  displayName: string;
  /** Primary domain, e.g. `contoso.onmicrosoft.com`: the token endpoint accepts it in place of the id. */
  defaultDomain: string;
  countryLetterCode?: string;
  applications: SeedApplication[];
}

export interface SeedApplication {
  /** Object id of the application (what Graph's `/applications/{id}` and addKey proofs use). */
  id: string;
  /** Application (client) id. */
  appId: string;
  displayName: string;
  /** Object id of its service principal in the tenant: the `oid` of its access tokens. */
  servicePrincipalId?: string;
  createdDateTime?: string;
  /** Microsoft Graph application permissions granted with admin consent, e.g. `Application.ReadWrite.All`. */
  roles?: string[];
  keyCredentials?: KeyCredentialInput[];
}

export class SeedError extends Error {}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The committed seed of the offline demo: contoso, fabrikam and northwindtraders. */
export const demoSeedPath = fileURLToPath(new URL('../../seed/demo-tenants.json', import.meta.url));

export async function readSeedFile(path: string): Promise<Seed> {
  return parseSeed(JSON.parse(await readFile(path, 'utf8')));
}

/** Checks the shape of a seed, naming the first wrong field, so a typo fails at start and not in a test. */
export function parseSeed(value: unknown): Seed {
  const seed = value as Seed;
  if (!seed || !Array.isArray(seed.tenants)) throw new SeedError('seed: "tenants" must be an array');
  const appIds = new Set<string>();
  seed.tenants.forEach((tenant, t) => {
    const where = `seed.tenants[${t}]`;
    requireGuid(tenant?.id, `${where}.id`);
    requireText(tenant.displayName, `${where}.displayName`);
    requireText(tenant.defaultDomain, `${where}.defaultDomain`);
    if (!Array.isArray(tenant.applications)) throw new SeedError(`${where}.applications must be an array`);
    tenant.applications.forEach((application, a) => {
      const at = `${where}.applications[${a}]`;
      requireGuid(application?.id, `${at}.id`);
      requireGuid(application.appId, `${at}.appId`);
      requireText(application.displayName, `${at}.displayName`);
      if (application.servicePrincipalId !== undefined) requireGuid(application.servicePrincipalId, `${at}.servicePrincipalId`);
      if (appIds.has(application.appId.toLowerCase())) throw new SeedError(`${at}.appId is used twice`);
      appIds.add(application.appId.toLowerCase());
      if (application.roles !== undefined && !(Array.isArray(application.roles) && application.roles.every((role) => typeof role === 'string'))) {
        throw new SeedError(`${at}.roles must be an array of permission names`);
      }
      if (application.keyCredentials !== undefined && !Array.isArray(application.keyCredentials)) {
        throw new SeedError(`${at}.keyCredentials must be an array`);
      }
    });
  });
  return seed;
}

function requireGuid(value: unknown, where: string): void {
  if (typeof value !== 'string' || !GUID.test(value)) throw new SeedError(`${where} must be a GUID`);
}

function requireText(value: unknown, where: string): void {
  if (typeof value !== 'string' || value.trim() === '') throw new SeedError(`${where} must be a non-empty string`);
}
