import { createHash, timingSafeEqual } from 'node:crypto';
import { KeyCredentialError, type KeyCredentialInput } from '../directory/key-credential.js';
import { SeedError } from '../directory/seed.js';
import { FaultError, type FaultSettings, type TransientFault } from '../faults/fault-plan.js';
import { type EmulatorRequest, type EmulatorResponse, type Handler, jsonBody, type Router } from '../http/router.js';
import { AdminError, type EmulatorAdmin } from './emulator-admin.js';

/** Path prefix of the admin endpoint; nothing in Entra or Graph lives under it. */
export const ADMIN_PREFIX = '/_emulator';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * The admin endpoint for tests and scripts. It answers only on loopback and only with the admin token
 * (random per start, or given), compared in constant time.
 */
export function addAdminRoutes(router: Router, admin: EmulatorAdmin, adminToken: string): void {
  const expected = createHash('sha256').update(adminToken).digest();
  const guarded =
    (handler: (request: EmulatorRequest, body: Record<string, unknown>) => unknown): Handler =>
    (request): EmulatorResponse => {
      if (!request.remoteAddress || !LOOPBACK.has(request.remoteAddress))
        return { status: 403, json: { error: 'The admin endpoint answers on loopback only.' } };
      const given = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
      if (!timingSafeEqual(createHash('sha256').update(given).digest(), expected)) return { status: 401, json: { error: 'Admin token required.' } };
      const body = request.body.length > 0 ? jsonBody(request) : {};
      if (!body) return { status: 400, json: { error: 'The request body must be a JSON object.' } };
      try {
        const result = handler(request, body);
        return result === undefined ? { status: 204 } : { status: 200, json: result };
      } catch (error) {
        const known = [AdminError, SeedError, KeyCredentialError, FaultError].some((type) => error instanceof type);
        if (known) return { status: 400, json: { error: (error as Error).message } };
        throw error;
      }
    };
  const application = `${ADMIN_PREFIX}/tenants/:tenant/applications/:appId`;
  router
    .add(
      'GET',
      `${ADMIN_PREFIX}/state`,
      guarded(() => admin.state()),
    )
    .add(
      'GET',
      `${ADMIN_PREFIX}/requests`,
      guarded(() => ({ requests: admin.requests() })),
    )
    .add(
      'POST',
      `${ADMIN_PREFIX}/reset`,
      guarded(() => admin.reset()),
    )
    .add(
      'PUT',
      `${ADMIN_PREFIX}/seed`,
      guarded((_request, body) => admin.seed(body)),
    )
    .add(
      'POST',
      `${ADMIN_PREFIX}/faults`,
      guarded((_request, body) => admin.injectFault(body as unknown as TransientFault)),
    )
    .add(
      'DELETE',
      `${ADMIN_PREFIX}/faults`,
      guarded(() => admin.clearFaults()),
    )
    .add(
      'PATCH',
      `${ADMIN_PREFIX}/settings`,
      guarded((_request, body) => admin.configure(body as Partial<FaultSettings>)),
    )
    .add(
      'POST',
      `${application}/revoke`,
      guarded((request, body) => admin.revokePermission(request.params.tenant!, request.params.appId!, String(body.permission))),
    )
    .add(
      'POST',
      `${application}/grant`,
      guarded((request, body) => admin.grantPermission(request.params.tenant!, request.params.appId!, String(body.permission))),
    )
    .add(
      'POST',
      `${application}/keyCredentials`,
      guarded((request, body) => admin.registerKeyCredential(request.params.tenant!, request.params.appId!, body as unknown as KeyCredentialInput)),
    )
    .add(
      'DELETE',
      `${application}/keyCredentials/:keyId`,
      guarded((request) => admin.removeKeyCredential(request.params.tenant!, request.params.appId!, request.params.keyId!)),
    );
}
