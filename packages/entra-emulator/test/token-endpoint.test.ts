import { decodeJwt } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEntraEmulator, startEntraEmulator } from '../src/index.js';
import { aadstsCode, backups, call, credentialFor, GRAPH_SCOPE, management, tenant, testSeed } from './support/emulator-fixture.js';
import { createTestCertificate } from './support/test-certificate.js';

const managementCertificate = createTestCertificate('Contoso Backup Management');
const backupCertificate = createTestCertificate('Contoso Backup 01');
const expiredCertificate = createTestCertificate('Contoso Backup 02 (expired)', { fromDays: -400, toDays: -30 });

let emulator: RunningEntraEmulator;

beforeAll(async () => {
  emulator = await startEntraEmulator({
    seed: testSeed({
      [management.appId]: [managementCertificate],
      [backups[0]!.appId]: [backupCertificate],
      [backups[1]!.appId]: [expiredCertificate],
    }),
  });
});
afterAll(() => emulator.stop());
beforeEach(() => emulator.admin.reset());

describe('ClientCertificateCredential against the emulator', () => {
  it('gets a Graph token carrying the tenant, the application and its permissions', async () => {
    const token = await credentialFor(emulator, management.appId, managementCertificate).getToken(GRAPH_SCOPE);
    const claims = decodeJwt(token.token);
    expect(claims).toMatchObject({ tid: tenant.id, appid: management.appId, azp: management.appId, aud: 'https://graph.microsoft.com' });
    expect(claims.roles).toEqual(['Application.ReadWrite.All', 'Organization.Read.All']);
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now() + 50 * 60_000);
  });

  it('gives a credential a second token when it asks again with the assertion MSAL keeps', async () => {
    // A token closer to expiry than MSAL's 5-minute refresh margin is never served from its cache:
    // the credential's second request goes to the token endpoint with the assertion it already sent.
    emulator.admin.configure({ accessTokenLifetimeSeconds: 120 });
    const credential = credentialFor(emulator, management.appId, managementCertificate);
    const first = await credential.getToken(GRAPH_SCOPE);
    const second = await credential.getToken(GRAPH_SCOPE);
    expect(second.token).not.toBe(first.token);
    expect(decodeJwt(second.token)).toMatchObject({ tid: tenant.id, appid: management.appId });
  });
});

describe('the token endpoint refuses what Entra refuses', () => {
  it('refuses a certificate that is not registered on the application (AADSTS700027, key not found)', async () => {
    const stranger = createTestCertificate('Not registered');
    const refused = credentialFor(emulator, management.appId, stranger).getToken(GRAPH_SCOPE);
    await expect(aadstsCode(refused)).resolves.toBe('AADSTS700027');
    await expect(refused).rejects.toThrow(/The key was not found/);
  });

  it('refuses a registered but expired key with the "key used is expired" reason', async () => {
    const refused = credentialFor(emulator, backups[1]!.appId, expiredCertificate).getToken(GRAPH_SCOPE);
    await expect(refused).rejects.toThrow(/AADSTS700027: Client assertion contains an invalid signature\. \[Reason - The key used is expired\./);
  });

  it('refuses an unknown application (AADSTS700016)', async () => {
    const unknownApp = credentialFor(emulator, '0c000000-0000-4000-8000-000000000000', managementCertificate).getToken(GRAPH_SCOPE);
    await expect(aadstsCode(unknownApp)).resolves.toBe('AADSTS700016');
  });

  it('refuses an unknown tenant at discovery (AADSTS90002), which MSAL reports as an endpoint resolution error', async () => {
    const unknownTenant = '0e000000-0000-4000-8000-000000000000';
    const refused = credentialFor(emulator, management.appId, managementCertificate, unknownTenant).getToken(GRAPH_SCOPE);
    await expect(refused).rejects.toThrow(/endpoints_resolution_error/);
    const discovery = await call(emulator, `/${unknownTenant}/v2.0/.well-known/openid-configuration`);
    expect(discovery.status).toBe(400);
    expect(discovery.json).toMatchObject({ error: 'invalid_request', error_codes: [90002] });
    expect(discovery.json.error_description).toMatch(/^AADSTS90002: Tenant '0e000000-0000-4000-8000-000000000000' not found\./);
    expect(Object.keys(discovery.json).sort()).toEqual([
      'correlation_id',
      'error',
      'error_codes',
      'error_description',
      'error_uri',
      'timestamp',
      'trace_id',
    ]);
  });

  it('accepts the primary domain in place of the tenant id', async () => {
    const token = await credentialFor(emulator, backups[0]!.appId, backupCertificate, tenant.domain).getToken(GRAPH_SCOPE);
    expect(decodeJwt(token.token)).toMatchObject({ tid: tenant.id, appid: backups[0]!.appId, roles: ['Sites.Read.All'] });
  });
});
