import { randomUUID } from 'node:crypto';
import { type KeyCredentialInput, KeyCredentialError, type StoredKey, toStoredKey } from './key-credential.js';
import type { Seed } from './seed.js';

export interface Tenant {
  id: string;
  displayName: string;
  defaultDomain: string;
  countryLetterCode: string;
  createdDateTime: string;
  /** In creation order: Graph pages through them in a stable order. */
  applications: Application[];
}

export interface Application {
  id: string;
  appId: string;
  displayName: string;
  servicePrincipalId: string;
  createdDateTime: string;
  /** Application permissions on Microsoft Graph currently granted in the tenant. */
  roles: string[];
  keys: StoredKey[];
}

/** The tenants and applications the emulator serves, in memory. */
export class Directory {
  private tenants = new Map<string, Tenant>();

  constructor(seed: Seed) {
    this.load(seed);
  }

  /** Replaces everything with the seed; seeded keys are replicated already. */
  load(seed: Seed): void {
    const tenants = new Map<string, Tenant>();
    for (const tenant of seed.tenants) {
      const createdDateTime = '2023-01-01T00:00:00Z';
      tenants.set(tenant.id.toLowerCase(), {
        id: tenant.id.toLowerCase(),
        displayName: tenant.displayName,
        defaultDomain: tenant.defaultDomain.toLowerCase(),
        countryLetterCode: tenant.countryLetterCode ?? 'US',
        createdDateTime,
        applications: tenant.applications.map((application) => ({
          id: application.id.toLowerCase(),
          appId: application.appId.toLowerCase(),
          displayName: application.displayName,
          servicePrincipalId: (application.servicePrincipalId ?? randomUUID()).toLowerCase(),
          createdDateTime: application.createdDateTime ?? createdDateTime,
          roles: [...(application.roles ?? [])],
          keys: (application.keyCredentials ?? []).map((key) => seededKey(key, application.appId)),
        })),
      });
    }
    this.tenants = tenants;
  }

  /** By tenant id or by primary domain, as Entra accepts either in the authority path. */
  findTenant(idOrDomain: string): Tenant | undefined {
    const wanted = idOrDomain.toLowerCase();
    return this.tenants.get(wanted) ?? [...this.tenants.values()].find((tenant) => tenant.defaultDomain === wanted);
  }

  allTenants(): Tenant[] {
    return [...this.tenants.values()];
  }

  findByAppId(tenant: Tenant, appId: string): Application | undefined {
    return tenant.applications.find((application) => application.appId === appId.toLowerCase());
  }

  findById(tenant: Tenant, id: string): Application | undefined {
    return tenant.applications.find((application) => application.id === id.toLowerCase());
  }

  /** Adds a certificate to an application; the token endpoint accepts it from `replicatedAt` on. */
  addKey(application: Application, input: KeyCredentialInput, replicatedAt: number): StoredKey {
    const key = toStoredKey(input, replicatedAt);
    if (application.keys.some((existing) => existing.credential.keyId === key.credential.keyId)) {
      throw new KeyCredentialError(`Key credential '${key.credential.keyId}' already exists on the application.`);
    }
    application.keys.push(key);
    return key;
  }

  /**
   * Replaces the whole `keyCredentials` collection, as a Graph PATCH does. Keys already present (same
   * keyId and certificate) keep their replication time; the rest replicate from `replicatedAt`.
   */
  replaceKeys(application: Application, inputs: KeyCredentialInput[], replicatedAt: number): void {
    const keys = inputs.map((input) => {
      const existing = application.keys.find((key) => key.credential.keyId === input.keyId?.toLowerCase() && key.credential.key === input.key);
      return toStoredKey(input, existing?.replicatedAt ?? replicatedAt);
    });
    const keyIds = new Set(keys.map((key) => key.credential.keyId));
    if (keyIds.size !== keys.length) throw new KeyCredentialError('Two key credentials have the same keyId.');
    application.keys = keys;
  }

  removeKey(application: Application, keyId: string): boolean {
    const before = application.keys.length;
    application.keys = application.keys.filter((key) => key.credential.keyId !== keyId.toLowerCase());
    return application.keys.length < before;
  }
}

function seededKey(input: KeyCredentialInput, appId: string): StoredKey {
  try {
    return toStoredKey(input, 0);
  } catch (error) {
    throw new KeyCredentialError(`seed: a key credential of application ${appId} is invalid: ${(error as Error).message}`);
  }
}
