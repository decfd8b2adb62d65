import type { Application, Directory, Tenant } from '../directory/directory.js';
import type { KeyCredential, KeyCredentialInput } from '../directory/key-credential.js';
import { parseSeed, type Seed } from '../directory/seed.js';
import type { FaultPlan, FaultSettings, TransientFault } from '../faults/fault-plan.js';
import type { LoggedRequest, RequestLog } from '../http/request-log.js';

/** The directory as tests read it: everything public, with when each key starts to be accepted. */
export interface EmulatorState {
  tenants: {
    id: string;
    displayName: string;
    defaultDomain: string;
    applications: {
      id: string;
      appId: string;
      displayName: string;
      servicePrincipalId: string;
      roles: string[];
      keyCredentials: (KeyCredential & { replicatedAt: string })[];
    }[];
  }[];
  faults: TransientFault[];
  settings: FaultSettings;
}

export class AdminError extends Error {}

/**
 * Test control of the emulator: reset and seed the directory, inject faults, revoke permissions,
 * register or withdraw certificates as an administrator would in the Entra portal, and read the requests
 * answered. The HTTP admin endpoint calls this.
 */
export class EmulatorAdmin {
  constructor(
    private readonly directory: Directory,
    private readonly faults: FaultPlan,
    private seedData: Seed,
    private readonly requestLog: RequestLog,
  ) {}

  /** Back to the last seed, with no fault armed and no request logged. */
  reset(): void {
    this.directory.load(this.seedData);
    this.faults.reset();
    this.requestLog.clear();
  }

  /** Replaces the seed (validated) and resets to it. */
  seed(seed: unknown): void {
    const parsed = parseSeed(seed);
    this.seedData = parsed;
    this.reset();
  }

  /** The Entra and Graph requests answered since the last reset (the latest 10,000), oldest first: method, path, query, status. */
  requests(): LoggedRequest[] {
    return this.requestLog.list();
  }

  injectFault(fault: TransientFault): void {
    this.faults.inject(fault);
  }

  clearFaults(): void {
    this.faults.reset();
  }

  /** e.g. `{ keyReplicationDelayMs: 2000 }`: keys added through Graph from now on wait 2 s before sign-in works. */
  configure(settings: Partial<FaultSettings>): void {
    this.faults.configure(settings);
  }

  /** Ends the replication wait of every key added so far: sign-in with them works from now on, as once Entra has replicated them. */
  replicateKeysNow(): void {
    const now = Date.now();
    for (const tenant of this.directory.allTenants())
      for (const application of tenant.applications) for (const key of application.keys) key.replicatedAt = Math.min(key.replicatedAt, now);
  }

  /** Withdraws an application permission: new tokens lack it and Graph refuses live tokens that carry it. */
  revokePermission(tenant: string, appId: string, permission: string): void {
    const application = this.application(tenant, appId);
    application.roles = application.roles.filter((role) => role !== permission);
  }

  grantPermission(tenant: string, appId: string, permission: string): void {
    const application = this.application(tenant, appId);
    if (!application.roles.includes(permission)) application.roles.push(permission);
  }

  /** Registers a certificate the way an administrator uploads one in the portal: usable at once. */
  registerKeyCredential(tenant: string, appId: string, input: KeyCredentialInput): KeyCredential {
    return this.directory.addKey(this.application(tenant, appId), input, 0).credential;
  }

  /** Withdraws a certificate the way an administrator deletes one in the portal: sign-in with it is refused at once. */
  removeKeyCredential(tenant: string, appId: string, keyId: string): void {
    if (!this.directory.removeKey(this.application(tenant, appId), keyId)) throw new AdminError(`Unknown key '${keyId}' on application '${appId}'`);
  }

  state(): EmulatorState {
    return {
      tenants: this.directory.allTenants().map((tenant) => ({
        id: tenant.id,
        displayName: tenant.displayName,
        defaultDomain: tenant.defaultDomain,
        applications: tenant.applications.map((application) => ({
          id: application.id,
          appId: application.appId,
          displayName: application.displayName,
          servicePrincipalId: application.servicePrincipalId,
          roles: [...application.roles],
          keyCredentials: application.keys.map((key) => ({ ...key.credential, replicatedAt: new Date(key.replicatedAt).toISOString() })),
        })),
      })),
      faults: this.faults.pending(),
      settings: { ...this.faults.settings },
    };
  }

  private application(tenantIdOrDomain: string, appId: string): Application {
    const tenant: Tenant | undefined = this.directory.findTenant(tenantIdOrDomain);
    if (!tenant) throw new AdminError(`Unknown tenant '${tenantIdOrDomain}'`);
    const application = this.directory.findByAppId(tenant, appId);
    if (!application) throw new AdminError(`Unknown application '${appId}' in tenant '${tenant.id}'`);
    return application;
  }
}
