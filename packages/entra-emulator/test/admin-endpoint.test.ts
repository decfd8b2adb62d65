import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoggedRequest, type RunningEntraEmulator, startEntraEmulator } from '../src/index.js';
import { aadstsCode, call, credentialFor, GRAPH_SCOPE, graphClientFor, management, tenant, testSeed } from './support/emulator-fixture.js';
import { createTestCertificate } from './support/test-certificate.js';

let emulator: RunningEntraEmulator;

beforeAll(async () => {
  emulator = await startEntraEmulator({ seed: testSeed() });
});
afterAll(() => emulator.stop());

const admin = (path: string, init: { method?: string; body?: unknown; token?: string } = {}) =>
  call(emulator, `/_emulator${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${init.token ?? emulator.adminToken}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });

describe('admin endpoint', () => {
  it('refuses requests without the admin token', async () => {
    expect((await admin('/state', { token: 'wrong' })).status).toBe(401);
  });

  it('reads state, arms faults, changes settings and resets', async () => {
    expect((await admin('/faults', { method: 'POST', body: { kind: 'throttle', target: 'token', count: 2, retryAfterSeconds: 3 } })).status).toBe(
      204,
    );
    expect((await admin('/settings', { method: 'PATCH', body: { keyReplicationDelayMs: 5000 } })).status).toBe(204);
    const state = await admin('/state');
    expect(state.json).toMatchObject({ faults: [{ kind: 'throttle', count: 2 }], settings: { keyReplicationDelayMs: 5000 } });
    expect((await admin('/faults', { method: 'POST', body: { kind: 'explode', target: 'graph', count: 1 } })).status).toBe(400);
    expect((await admin('/reset', { method: 'POST' })).status).toBe(204);
    expect((await admin('/state')).json).toMatchObject({ faults: [], settings: { keyReplicationDelayMs: 0 } });
  });

  it('withdraws a key credential as an administrator would in the portal: sign-in with it is refused from then on', async () => {
    const certificate = createTestCertificate('Withdrawn in the portal');
    const registered = await admin(`/tenants/${tenant.id}/applications/${management.appId}/keyCredentials`, {
      method: 'POST',
      body: { key: certificate.derBase64 },
    });
    const keyId = (registered.json as { keyId: string }).keyId;
    await credentialFor(emulator, management.appId, certificate).getToken(GRAPH_SCOPE);

    const path = `/tenants/${tenant.id}/applications/${management.appId}/keyCredentials/${keyId}`;
    expect((await admin(path, { method: 'DELETE' })).status).toBe(204);
    await expect(aadstsCode(credentialFor(emulator, management.appId, certificate).getToken(GRAPH_SCOPE))).resolves.toBe('AADSTS700027');
    expect((await admin(path, { method: 'DELETE' })).status).toBe(400);
  });

  it('logs the Entra and Graph requests it answered, without their bodies or its own admin calls, until reset', async () => {
    expect((await admin('/reset', { method: 'POST' })).status).toBe(204);
    const certificate = createTestCertificate('Request log');
    emulator.admin.registerKeyCredential(tenant.id, management.appId, { key: certificate.derBase64 });
    const graph = graphClientFor(emulator, credentialFor(emulator, management.appId, certificate));
    await graph.api('/applications').filter(`appId eq '${management.appId}'`).select('id,keyCredentials').get();
    await expect(graph.api('/applications/unknown').get()).rejects.toThrow();

    const logged = (await admin('/requests')).json.requests as LoggedRequest[];
    expect(logged.filter((request) => request.path.startsWith('/v1.0/'))).toEqual([
      { method: 'GET', path: '/v1.0/applications', query: `?$filter=appId eq '${management.appId}'&$select=id,keyCredentials`, status: 200 },
      { method: 'GET', path: '/v1.0/applications/unknown', query: '', status: 404 },
    ]);
    expect(logged).toContainEqual(expect.objectContaining({ method: 'POST', path: `/${tenant.id}/oauth2/v2.0/token`, status: 200 }));
    expect(emulator.admin.requests()).toEqual(logged);
    emulator.admin.reset();
    expect(emulator.admin.requests()).toEqual([]);
  });

  it('throttles the token endpoint in Entra error shape', async () => {
    await admin('/faults', { method: 'POST', body: { kind: 'throttle', target: 'token', count: 1, retryAfterSeconds: 3 } });
    const response = await call(emulator, '/0d5a7c3e-1b2f-4e6a-8c9d-3f1e5a7b9c21/oauth2/v2.0/token', { method: 'POST' });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(response.json).toMatchObject({ error: 'temporarily_unavailable', error_codes: [90055] });
  });
});

describe('TLS', () => {
  it('is refused by a client that does not trust the emulator CA', async () => {
    await expect(fetch(`${emulator.url}/_emulator/state`, { dispatcher: new Agent() })).rejects.toThrow();
  });

  it('keeps its CA, server certificate and signing key in the data folder, private keys readable by the owner only', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'entra-emulator-'));
    try {
      const first = await startEntraEmulator({ seed: testSeed(), dataDir });
      await first.stop();
      const second = await startEntraEmulator({ seed: testSeed(), dataDir });
      await second.stop();
      expect(second.caCertificatePem).toBe(first.caCertificatePem);
      expect(await readFile(join(dataDir, 'ca.pem'), 'utf8')).toBe(first.caCertificatePem);
      for (const secret of ['ca-key.pem', 'server-key.pem', 'token-signing-key.pem', 'admin-token']) {
        expect((await stat(join(dataDir, secret))).mode & 0o077).toBe(0);
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
