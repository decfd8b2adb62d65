import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEntraEmulator, startEntraEmulator } from '../src/index.js';
import { call, management, requestToken, signAssertion, tenant, testSeed, tokenEndpoint } from './support/emulator-fixture.js';
import { createTestCertificate } from './support/test-certificate.js';

/**
 * Each test breaks one rule of a certificate client assertion that a lax emulator would let through;
 * the first proves the hand-made assertion is otherwise right.
 */
const certificate = createTestCertificate('Contoso Backup Management');
const otherCertificate = createTestCertificate('Someone else');
const clientId = management.appId;

let emulator: RunningEntraEmulator;

beforeAll(async () => {
  emulator = await startEntraEmulator({ seed: testSeed({ [management.appId]: [certificate] }) });
});
afterAll(() => emulator.stop());
beforeEach(() => emulator.admin.reset());

const errorCode = (response: { json: Record<string, unknown> }) => (response.json.error_codes as number[] | undefined)?.[0];

describe('client assertion checks', () => {
  it('accepts a well-formed assertion signed RS256 with x5t, or PS256', async () => {
    const rs256 = await requestToken(emulator, clientId, await signAssertion(certificate, { clientId, audience: tokenEndpoint(emulator) }));
    expect(rs256.status).toBe(200);
    expect(rs256.json).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
    const ps256 = await requestToken(
      emulator,
      clientId,
      await signAssertion(certificate, { clientId, audience: tokenEndpoint(emulator), alg: 'PS256' }),
    );
    expect(ps256.status).toBe(200);
  });

  it('refuses an assertion whose aud is not this token endpoint', async () => {
    const wrongAudience = await signAssertion(certificate, { clientId, audience: 'https://login.microsoftonline.com/common/oauth2/v2.0/token' });
    const response = await requestToken(emulator, clientId, wrongAudience);
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ error: 'invalid_client' });
    expect(errorCode(response)).toBe(50013);
  });

  it('refuses an assertion whose iss/sub is not the client id', async () => {
    const otherIssuer = await signAssertion(certificate, { clientId, audience: tokenEndpoint(emulator), issuer: tenant.id, subject: tenant.id });
    expect(errorCode(await requestToken(emulator, clientId, otherIssuer))).toBe(700021);
  });

  it('refuses an expired assertion and one not valid yet', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await signAssertion(certificate, { clientId, audience: tokenEndpoint(emulator), notBefore: now - 3600, expires: now - 1800 });
    expect(errorCode(await requestToken(emulator, clientId, expired))).toBe(700024);
    const future = await signAssertion(certificate, { clientId, audience: tokenEndpoint(emulator), notBefore: now + 3600, expires: now + 4200 });
    expect(errorCode(await requestToken(emulator, clientId, future))).toBe(700024);
  });

  it('refuses a registered thumbprint when another key made the signature', async () => {
    const forged = await signAssertion(otherCertificate, { clientId, audience: tokenEndpoint(emulator), headerCertificate: certificate });
    const response = await requestToken(emulator, clientId, forged);
    expect(errorCode(response)).toBe(700027);
    expect(response.json.error_description).toMatch(/did not match the expected signature value/);
  });

  it('accepts the same assertion again while it is valid: MSAL re-sends its signed assertion for its 10 minutes', async () => {
    const assertion = await signAssertion(certificate, { clientId, audience: tokenEndpoint(emulator) });
    expect((await requestToken(emulator, clientId, assertion)).status).toBe(200);
    expect((await requestToken(emulator, clientId, assertion)).status).toBe(200);
  });

  it('refuses a client secret, a missing assertion and a scope other than Graph .default', async () => {
    const form = (fields: Record<string, string>) =>
      fetchForm(emulator, { grant_type: 'client_credentials', client_id: clientId, scope: 'https://graph.microsoft.com/.default', ...fields });
    expect(errorCode(await form({ client_secret: 'guess' }))).toBe(7000215);
    expect(errorCode(await form({}))).toBe(7000216);
    const assertion = await signAssertion(certificate, { clientId, audience: tokenEndpoint(emulator) });
    const jwtBearer = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
    expect(errorCode(await form({ client_assertion_type: jwtBearer, client_assertion: assertion, scope: 'User.Read' }))).toBe(1002012);
  });
});

async function fetchForm(running: RunningEntraEmulator, fields: Record<string, string>) {
  return call(running, `/${tenant.id}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}
