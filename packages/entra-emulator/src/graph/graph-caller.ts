import type { Application, Directory, Tenant } from '../directory/directory.js';
import type { EmulatorRequest } from '../http/router.js';
import { AccessTokenError, type AccessTokenSigner } from '../sts/access-token.js';
import { graphErrors } from './graph-error.js';

/** Who calls Graph: the tenant and application of the bearer token, and what it may still do. */
export interface GraphCaller {
  tenant: Tenant;
  application: Application;
  /** The token's `roles` that are still granted: a revoked permission bites at once, even on a live token. */
  roles: Set<string>;
}

export const permissions = {
  readApplications: ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  writeApplications: ['Application.ReadWrite.All', 'Directory.ReadWrite.All'],
  readOrganization: ['Organization.Read.All', 'Organization.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
};

export async function authenticate(request: EmulatorRequest, directory: Directory, signer: AccessTokenSigner): Promise<GraphCaller> {
  const authorization = request.headers.authorization ?? '';
  const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
  if (!token) throw graphErrors.unauthenticated('Access token is empty.');
  let claims;
  try {
    claims = await signer.verify(token);
  } catch (error) {
    if (error instanceof AccessTokenError) throw graphErrors.unauthenticated(error.message);
    throw error;
  }
  const tenant = directory.findTenant(claims.tid);
  const application = tenant && directory.findByAppId(tenant, claims.appid);
  if (!tenant || !application) throw graphErrors.unauthenticated('Access token validation failure. The application or its tenant no longer exists.');
  const granted = new Set(application.roles);
  return { tenant, application, roles: new Set((claims.roles ?? []).filter((role) => granted.has(role))) };
}

/** Refuses with 403 unless the caller holds one of `anyOf`. */
export function requirePermission(caller: GraphCaller, anyOf: string[]): void {
  if (!anyOf.some((permission) => caller.roles.has(permission))) throw graphErrors.forbidden();
}
