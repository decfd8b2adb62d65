import { ClientCertificateCredential } from '@azure/identity';
import { Client, type FetchOptions } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { SignJWT } from 'jose';
import { Agent, fetch } from 'undici';
import type { RunningEntraEmulator, Seed } from '../../src/index.js';
import type { TestCertificate } from './test-certificate.js';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
export const PROOF_AUDIENCE = '00000002-0000-0000-c000-000000000000';

export const tenant = { id: '0d5a7c3e-1b2f-4e6a-8c9d-3f1e5a7b9c21', domain: 'contoso-test.onmicrosoft.com' };
export const otherTenant = { id: '1e6b8d4f-2c3a-4f7b-9d0e-4a2f6b8c0d32', domain: 'fabrikam-test.onmicrosoft.com' };
export const management = { id: 'a1000000-0000-4000-8000-000000000001', appId: 'b1000000-0000-4000-8000-000000000001' };
/** Seven backup applications: enough for several pages at `$top=3`. */
export const backups = Array.from({ length: 7 }, (_, index) => ({
  id: `a2000000-0000-4000-8000-00000000000${index}`,
  appId: `b2000000-0000-4000-8000-00000000000${index}`,
  displayName: `Contoso Backup 0${index + 1}`,
}));

/** The test tenant; `keys` registers certificates by appId (as an administrator did in the portal). */
export function testSeed(keys: Record<string, TestCertificate[]> = {}): Seed {
  const keyCredentials = (appId: string) => (keys[appId] ?? []).map((certificate) => ({ key: certificate.derBase64 }));
  return {
    tenants: [
      {
        id: tenant.id,
        displayName: 'Contoso Test',
        defaultDomain: tenant.domain,
        applications: [
          {
            ...management,
            displayName: 'Contoso Backup Management',
            roles: ['Application.ReadWrite.All', 'Organization.Read.All'],
            keyCredentials: keyCredentials(management.appId),
          },
          ...backups.map((backup) => ({ ...backup, roles: ['Sites.Read.All'], keyCredentials: keyCredentials(backup.appId) })),
        ],
      },
      {
        id: otherTenant.id,
        displayName: 'Fabrikam Test',
        defaultDomain: otherTenant.domain,
        applications: [
          { id: 'c1000000-0000-4000-8000-000000000001', appId: 'd1000000-0000-4000-8000-000000000001', displayName: 'Fabrikam Backup 01' },
        ],
      },
    ],
  };
}

/** The real `@azure/identity` credential, pointed at the emulator and trusting its CA explicitly. */
export function credentialFor(
  emulator: RunningEntraEmulator,
  appId: string,
  certificate: TestCertificate,
  tenantId = tenant.id,
): ClientCertificateCredential {
  return new ClientCertificateCredential(
    tenantId,
    appId,
    { certificate: `${certificate.certificatePem}\n${certificate.privateKeyPem}` },
    { authorityHost: emulator.url, disableInstanceDiscovery: true, tlsOptions: { ca: emulator.caCertificatePem } },
  );
}

/** The real Graph client: `customHosts` lets it send tokens to localhost; the undici agent trusts the emulator CA. */
export function graphClientFor(emulator: RunningEntraEmulator, credential: ClientCertificateCredential): Client {
  return Client.initWithMiddleware({
    authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: [GRAPH_SCOPE] }),
    baseUrl: `${emulator.url}/`,
    defaultVersion: 'v1.0',
    customHosts: new Set([new URL(emulator.url).hostname]),
    fetchOptions: { dispatcher: trustingAgent(emulator) } as FetchOptions,
  });
}

const agents = new WeakMap<RunningEntraEmulator, Agent>();

export function trustingAgent(emulator: RunningEntraEmulator): Agent {
  let agent = agents.get(emulator);
  if (!agent) {
    agent = new Agent({ connect: { ca: emulator.caCertificatePem } });
    agents.set(emulator, agent);
  }
  return agent;
}

/** A raw HTTPS call, for what the client libraries would never send (broken assertions, bad tokens). */
export async function call(
  emulator: RunningEntraEmulator,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const response = await fetch(`${emulator.url}${path}`, { ...init, dispatcher: trustingAgent(emulator) });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers as unknown as Headers,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

interface AssertionOptions {
  clientId: string;
  audience: string;
  issuer?: string;
  subject?: string;
  notBefore?: number;
  expires?: number;
  jti?: string;
  alg?: 'RS256' | 'PS256';
  /** Sign with this certificate's key while naming `headerCertificate` in `x5t`. */
  headerCertificate?: TestCertificate;
}

/** A client assertion built by hand, to break one rule at a time. */
export async function signAssertion(certificate: TestCertificate, options: AssertionOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const named = options.headerCertificate ?? certificate;
  return new SignJWT({ jti: options.jti ?? crypto.randomUUID() })
    .setProtectedHeader({ alg: options.alg ?? 'RS256', typ: 'JWT', x5t: named.x5t })
    .setAudience(options.audience)
    .setIssuer(options.issuer ?? options.clientId)
    .setSubject(options.subject ?? options.clientId)
    .setNotBefore(options.notBefore ?? now)
    .setExpirationTime(options.expires ?? now + 600)
    .sign(certificate.privateKey);
}

export function tokenEndpoint(emulator: RunningEntraEmulator, tenantId = tenant.id): string {
  return `${emulator.url}/${tenantId}/oauth2/v2.0/token`;
}

export async function requestToken(emulator: RunningEntraEmulator, clientId: string, assertion: string, tenantId = tenant.id) {
  return call(emulator, `/${tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      scope: GRAPH_SCOPE,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }).toString(),
  });
}

/** The addKey / removeKey proof of possession, as Microsoft documents it. */
export async function signProof(
  certificate: TestCertificate,
  applicationObjectId: string,
  overrides: { audience?: string; lifetimeSeconds?: number } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', x5t: certificate.x5t })
    .setAudience(overrides.audience ?? PROOF_AUDIENCE)
    .setIssuer(applicationObjectId)
    .setNotBefore(now)
    .setExpirationTime(now + (overrides.lifetimeSeconds ?? 600))
    .sign(certificate.privateKey);
}

/** The AADSTS code an `@azure/identity` failure carries in its message. */
export async function aadstsCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return /AADSTS\d+/.exec((error as Error).message)?.[0] ?? (error as Error).message;
  }
  throw new Error('expected the token request to be refused');
}
