import type { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEntraEmulator, startEntraEmulator } from '../src/index.js';
import {
  aadstsCode,
  backups,
  call,
  credentialFor,
  GRAPH_SCOPE,
  graphClientFor,
  management,
  signProof,
  tenant,
  testSeed,
} from './support/emulator-fixture.js';
import { createTestCertificate } from './support/test-certificate.js';

const managementCertificate = createTestCertificate('Contoso Backup Management');
const backupCertificate = createTestCertificate('Contoso Backup 01 (2025)');
const backup = backups[0]!;

let emulator: RunningEntraEmulator;
let graph: Client;

beforeAll(async () => {
  emulator = await startEntraEmulator({ seed: testSeed({ [management.appId]: [managementCertificate], [backup.appId]: [backupCertificate] }) });
});
afterAll(() => emulator.stop());
beforeEach(() => {
  emulator.admin.reset();
  // A fresh credential per test: MSAL caches tokens per credential.
  graph = graphClientFor(emulator, credentialFor(emulator, management.appId, managementCertificate));
});

interface ApplicationPage {
  value: {
    id: string;
    appId: string;
    displayName: string;
    keyCredentials?: { keyId: string; customKeyIdentifier: string; displayName: string; key: string | null }[];
  }[];
  '@odata.nextLink'?: string;
}

describe('Graph applications through @microsoft/microsoft-graph-client', () => {
  it('lists every application of the caller tenant across pages by following @odata.nextLink', async () => {
    const seen: string[] = [];
    let page = (await graph.api('/applications').select('id,appId,displayName').top(3).get()) as ApplicationPage;
    let pages = 1;
    seen.push(...page.value.map((application) => application.displayName));
    while (page['@odata.nextLink']) {
      page = (await graph.api(page['@odata.nextLink']).get()) as ApplicationPage;
      pages += 1;
      seen.push(...page.value.map((application) => application.displayName));
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(['Contoso Backup Management', ...backups.map((application) => application.displayName)]);
    expect(Object.keys(page.value[0]!).sort()).toEqual(['appId', 'displayName', 'id']);
  });

  it('filters by appId and by displayName prefix, and refuses a filter it does not implement', async () => {
    const byAppId = (await graph.api('/applications').filter(`appId eq '${backup.appId}'`).get()) as ApplicationPage;
    expect(byAppId.value.map((application) => application.id)).toEqual([backup.id]);
    const byPrefix = (await graph.api('/applications').filter("startswith(displayName,'Contoso Backup 0')").get()) as ApplicationPage;
    expect(byPrefix.value).toHaveLength(backups.length);
    await expect(graph.api('/applications').filter("endswith(displayName,'01')").get()).rejects.toMatchObject({ statusCode: 400 });
  });

  it('gets an application by appId and by object id; the key value only with $select=keyCredentials', async () => {
    const byAppId = (await graph.api(`/applications(appId='${backup.appId}')`).get()) as ApplicationPage['value'][number];
    expect(byAppId).toMatchObject({ id: backup.id, displayName: backup.displayName });
    expect(byAppId.keyCredentials).toEqual([
      expect.objectContaining({ customKeyIdentifier: backupCertificate.sha1Thumbprint, key: null, type: 'AsymmetricX509Cert', usage: 'Verify' }),
    ]);
    const withKeys = (await graph.api(`/applications/${backup.id}`).select('keyCredentials').get()) as ApplicationPage['value'][number];
    expect(withKeys.keyCredentials?.[0]?.key).toBe(backupCertificate.derBase64);
    await expect(graph.api('/applications/a9000000-0000-4000-8000-000000000000').get()).rejects.toMatchObject({
      statusCode: 404,
      code: 'Request_ResourceNotFound',
    });
  });

  it('addKey with a valid proof registers the certificate, and the application then signs in with it', async () => {
    const next = createTestCertificate('Contoso Backup 01 (2026)');
    const added = (await graph.api(`/applications/${backup.id}/addKey`).post({
      keyCredential: { type: 'AsymmetricX509Cert', usage: 'Verify', key: next.derBase64 },
      passwordCredential: null,
      proof: await signProof(backupCertificate, backup.id),
    })) as { keyId: string; customKeyIdentifier: string };
    expect(added.customKeyIdentifier).toBe(next.sha1Thumbprint);
    const token = await credentialFor(emulator, backup.appId, next).getToken(GRAPH_SCOPE);
    expect(token.token).toBeTruthy();
  });

  it('lists each key with its display name: the one addKey gave it, or the certificate subject for a key uploaded in the portal', async () => {
    const uploaded = createTestCertificate('Contoso Backup 01 (portal)');
    emulator.admin.registerKeyCredential(tenant.id, backup.appId, { key: uploaded.derBase64 });
    const next = createTestCertificate('Contoso Backup 01 (2026)');
    await graph.api(`/applications/${backup.id}/addKey`).post({
      keyCredential: { type: 'AsymmetricX509Cert', usage: 'Verify', key: next.derBase64, displayName: 'Added by the rotation' },
      passwordCredential: null,
      proof: await signProof(backupCertificate, backup.id),
    });
    const listed = (await graph.api('/applications').filter(`appId eq '${backup.appId}'`).select('keyCredentials').get()) as ApplicationPage;
    const names = new Map(listed.value[0]!.keyCredentials!.map((key) => [key.customKeyIdentifier, key.displayName]));
    expect(names.get(uploaded.sha1Thumbprint)).toBe('CN=Contoso Backup 01 (portal)');
    expect(names.get(next.sha1Thumbprint)).toBe('Added by the rotation');
  });

  it('refuses addKey when the proof names the appId as issuer, has the wrong audience, lives too long or comes from an unregistered key', async () => {
    const next = createTestCertificate('Contoso Backup 01 (2026)');
    const addKey = (proof: string) =>
      graph
        .api(`/applications/${backup.id}/addKey`)
        .post({ keyCredential: { type: 'AsymmetricX509Cert', usage: 'Verify', key: next.derBase64 }, passwordCredential: null, proof });
    const refused = { statusCode: 400, code: 'Request_BadRequest' };
    await expect(addKey(await signProof(backupCertificate, backup.appId))).rejects.toMatchObject(refused);
    await expect(addKey(await signProof(backupCertificate, backup.id, { audience: 'https://graph.microsoft.com' }))).rejects.toMatchObject(refused);
    await expect(addKey(await signProof(backupCertificate, backup.id, { lifetimeSeconds: 3600 }))).rejects.toMatchObject(refused);
    await expect(addKey(await signProof(next, backup.id))).rejects.toMatchObject(refused);
    const state = emulator.admin.state().tenants[0]!.applications.find((application) => application.appId === backup.appId)!;
    expect(state.keyCredentials).toHaveLength(1);
  });

  it('removeKey withdraws a certificate: the application can no longer sign in with it', async () => {
    const next = createTestCertificate('Contoso Backup 01 (2026)');
    const added = (await graph.api(`/applications(appId='${backup.appId}')/addKey`).post({
      keyCredential: { type: 'AsymmetricX509Cert', usage: 'Verify', key: next.derBase64 },
      passwordCredential: null,
      proof: await signProof(backupCertificate, backup.id),
    })) as { keyId: string };
    const old = emulator.admin.state().tenants[0]!.applications.find((application) => application.appId === backup.appId)!.keyCredentials[0]!;
    await graph.api(`/applications/${backup.id}/removeKey`).post({ keyId: old.keyId, proof: await signProof(next, backup.id) });
    await expect(aadstsCode(credentialFor(emulator, backup.appId, backupCertificate).getToken(GRAPH_SCOPE))).resolves.toBe('AADSTS700027');
    await expect(credentialFor(emulator, backup.appId, next).getToken(GRAPH_SCOPE)).resolves.toBeTruthy();
    expect(added.keyId).not.toBe(old.keyId);
  });

  it('PATCH keyCredentials replaces the collection and needs every certificate again', async () => {
    const next = createTestCertificate('Contoso Backup 01 (2026)');
    await graph.api(`/applications/${backup.id}`).patch({ keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: next.derBase64 }] });
    const after = (await graph.api(`/applications/${backup.id}`).get()) as ApplicationPage['value'][number];
    expect(after.keyCredentials?.map((key) => key.customKeyIdentifier)).toEqual([next.sha1Thumbprint]);
    await expect(
      graph.api(`/applications/${backup.id}`).patch({ keyCredentials: [{ keyId: 'c2000000-0000-4000-8000-000000000000' }] }),
    ).rejects.toMatchObject({
      statusCode: 400,
    });
  });

  it('PATCH keyCredentials keeps the key id the client chose for a new key, as Graph does (the Azure CLI chooses its own)', async () => {
    const next = createTestCertificate('Contoso Backup 01 (2026)');
    const keyId = 'c3000000-0000-4000-8000-000000000000';
    await graph
      .api(`/applications/${backup.id}`)
      .patch({ keyCredentials: [{ keyId, type: 'AsymmetricX509Cert', usage: 'Verify', key: next.derBase64 }] });
    const after = (await graph.api(`/applications/${backup.id}`).get()) as ApplicationPage['value'][number];
    expect(after.keyCredentials?.map((key) => [key.keyId, key.customKeyIdentifier])).toEqual([[keyId, next.sha1Thumbprint]]);
    await expect(
      graph.api(`/applications/${backup.id}`).patch({ keyCredentials: [{ keyId: 'not-a-guid', key: next.derBase64 }] }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });

  it('reads the organization', async () => {
    const organization = (await graph.api('/organization').get()) as { value: { id: string; verifiedDomains: { name: string }[] }[] };
    expect(organization.value[0]).toMatchObject({ id: tenant.id, verifiedDomains: [{ name: tenant.domain }] });
  });
});

describe('key replication', () => {
  it('refuses a newly added key at the token endpoint until the replication delay has passed', async () => {
    emulator.admin.configure({ keyReplicationDelayMs: 1500 });
    const next = createTestCertificate('Contoso Backup 01 (2026)');
    await graph.api(`/applications/${backup.id}/addKey`).post({
      keyCredential: { type: 'AsymmetricX509Cert', usage: 'Verify', key: next.derBase64 },
      passwordCredential: null,
      proof: await signProof(backupCertificate, backup.id),
    });
    const credential = credentialFor(emulator, backup.appId, next);
    await expect(credential.getToken(GRAPH_SCOPE)).rejects.toThrow(/AADSTS700027: .*The key was not found/);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    await expect(credential.getToken(GRAPH_SCOPE)).resolves.toBeTruthy();
  });
});

describe('Graph faults and authorization', () => {
  it('answers 429 with Retry-After, which the client RetryHandler honours', async () => {
    emulator.admin.injectFault({ kind: 'throttle', target: 'graph', count: 1, retryAfterSeconds: 1 });
    const started = Date.now();
    const page = (await graph.api('/applications').top(1).get()) as ApplicationPage;
    expect(page.value).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(emulator.admin.state().faults).toEqual([]);
  });

  it('answers 429 in Graph error shape', async () => {
    emulator.admin.injectFault({ kind: 'throttle', target: 'graph', count: 1, retryAfterSeconds: 7 });
    const response = await call(emulator, '/v1.0/applications');
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(response.json).toMatchObject({ error: { code: 'Request_ThrottledTemporarily', innerError: { 'request-id': expect.any(String) } } });
  });

  it('answers an injected 500 once', async () => {
    emulator.admin.injectFault({ kind: 'serverError', target: 'graph', count: 1, status: 500 });
    await expect(graph.api('/organization').get()).rejects.toMatchObject({ statusCode: 500 });
    await expect(graph.api('/organization').get()).resolves.toBeTruthy();
  });

  it('refuses a missing, forged or expired token with 401 InvalidAuthenticationToken', async () => {
    expect((await call(emulator, '/v1.0/applications')).json).toMatchObject({
      error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' },
    });
    const forged = await call(emulator, '/v1.0/applications', { headers: { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln' } });
    expect(forged.status).toBe(401);
    emulator.admin.configure({ accessTokenLifetimeSeconds: 1 });
    const { token } = await credentialFor(emulator, management.appId, managementCertificate).getToken(GRAPH_SCOPE);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const expired = await call(emulator, '/v1.0/applications', { headers: { authorization: `Bearer ${token}` } });
    expect(expired.status).toBe(401);
    expect(expired.json).toMatchObject({
      error: { code: 'InvalidAuthenticationToken', message: 'Lifetime validation failed, the token is expired.' },
    });
  });

  it('refuses with 403 Authorization_RequestDenied once a permission is revoked, even on a live token', async () => {
    await graph.api('/applications').top(1).get();
    emulator.admin.revokePermission(tenant.id, management.appId, 'Application.ReadWrite.All');
    await expect(graph.api('/applications').top(1).get()).rejects.toMatchObject({ statusCode: 403, code: 'Authorization_RequestDenied' });
    const fresh = await credentialFor(emulator, management.appId, managementCertificate).getToken(GRAPH_SCOPE);
    expect(JSON.parse(Buffer.from(fresh.token.split('.')[1]!, 'base64url').toString()).roles).toEqual(['Organization.Read.All']);
  });

  it('lets a backup application read nothing without permissions, but roll its own keys', async () => {
    const own = graphClientFor(emulator, credentialFor(emulator, backup.appId, backupCertificate));
    await expect(own.api('/applications').get()).rejects.toMatchObject({ statusCode: 403 });
    const next = createTestCertificate('Contoso Backup 01 (2026)');
    await expect(
      own.api(`/applications/${backup.id}/addKey`).post({
        keyCredential: { type: 'AsymmetricX509Cert', usage: 'Verify', key: next.derBase64 },
        passwordCredential: null,
        proof: await signProof(backupCertificate, backup.id),
      }),
    ).resolves.toMatchObject({ customKeyIdentifier: next.sha1Thumbprint });
  });
});
