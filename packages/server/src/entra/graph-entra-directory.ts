import { createPrivateKey } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { type AccessToken, ClientCertificateCredential } from '@azure/identity';
import { Client, type FetchOptions, GraphError, type GraphRequest, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { SignJWT } from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';
import type { EntraCloudEndpoints, EntraSettings } from '../config/config.js';
import type { PublicCertificate, SigningCertificate } from '../key-custody/signing-certificate.js';
import type { Logger } from '../logging/logger.js';
import {
  addedKeyDisplayName,
  type EntraApplication,
  type EntraApplicationPage,
  type EntraDirectory,
  EntraError,
  type EntraKey,
  type EntraTenant,
  type EntraTenantRef,
  type KeyRegistration,
  type ManagementSignIn,
  type ManagementSignInKey,
  type RegisteredKey,
} from './entra-directory.js';

/** The audience Microsoft documents for addKey / removeKey proofs of possession (the Azure AD Graph app id). */
const PROOF_AUDIENCE = '00000002-0000-0000-c000-000000000000';
/** What the management application needs: read the tenant, and manage other applications' keys. */
export const REQUIRED_PERMISSIONS = ['Application.ReadWrite.All', 'Organization.Read.All'] as const;
const CREDENTIAL_CACHE_SIZE = 200;

interface GraphKeyCredential {
  keyId: string;
  customKeyIdentifier: string | null;
  endDateTime?: string | null;
  displayName?: string | null;
  type?: string;
  usage?: string;
  key?: string | null;
}
interface GraphApplication {
  id: string;
  appId: string;
  displayName: string;
  keyCredentials?: GraphKeyCredential[];
}

/**
 * `EntraDirectory` over the real `@azure/identity` (certificate credentials, tokens cached per
 * credential) and `@microsoft/microsoft-graph-client`. TLS is always verified; an extra CA (the
 * emulator's) is added to the system roots, never replacing them. Every call carries a deadline;
 * 429/503/504 are retried up to `maxRetries`, honouring Retry-After up to `maxRetryAfterSeconds`.
 */
export class GraphEntraDirectory implements EntraDirectory {
  private readonly ca: string[] | undefined;
  private readonly agent: Agent;
  /** Credentials and their Graph clients, by cloud, tenant, application and certificate: MSAL caches tokens per credential. */
  private readonly clients = new Map<string, { credential: ClientCertificateCredential; graph: Client }>();

  constructor(
    private readonly settings: EntraSettings,
    caPem: string | undefined,
    private readonly logger: Logger,
  ) {
    this.ca = caPem ? [...rootCertificates, caPem] : undefined;
    this.agent = new Agent({
      connect: { ...(this.ca ? { ca: this.ca } : {}), timeout: settings.requestTimeoutMs },
      headersTimeout: settings.requestTimeoutMs,
      bodyTimeout: settings.requestTimeoutMs,
    });
  }

  async close(): Promise<void> {
    this.clients.clear();
    await this.agent.close();
  }

  async checkAccess(signIn: ManagementSignIn): Promise<EntraTenant> {
    // A real sign-in, not a cached token: onboarding must see the key and permissions as they are now.
    this.clients.delete(cacheKeyOf(signIn));
    const { credential } = this.client(signIn);
    const token = await this.token(credential, signIn);
    const roles = tokenRoles(token.token);
    const missing = REQUIRED_PERMISSIONS.filter((permission) => !roles.includes(permission));
    if (missing.length > 0) {
      throw new EntraError('PERMISSION_MISSING', missing.join(', '), `The management application lacks ${missing.join(', ')}.`);
    }
    const organization = await this.graph<{ value: { id: string; displayName: string; verifiedDomains: { name: string; isDefault: boolean }[] }[] }>(
      signIn,
      (graph) => graph.api('/organization'),
      'Organization.Read.All',
    );
    const tenant = organization.value[0];
    if (!tenant) throw new EntraError('TENANT_NOT_FOUND', 'Request_ResourceNotFound', 'Graph returned no organization.');
    const defaultDomain = (tenant.verifiedDomains.find((domain) => domain.isDefault) ?? tenant.verifiedDomains[0])?.name ?? signIn.tenant;
    // Probe the permission the rotations use, so onboarding fails now rather than at the first rotation.
    await this.graph(signIn, (graph) => graph.api('/applications').select('id').top(1), 'Application.ReadWrite.All');
    return { id: tenant.id, displayName: tenant.displayName, defaultDomain };
  }

  async listApplications(
    signIn: ManagementSignIn,
    options: { nameStartsWith?: string | null; pageSize: number; pageToken?: string | null },
  ): Promise<EntraApplicationPage> {
    const endpoints = this.endpoints(signIn);
    const page = await this.graph<{ value: GraphApplication[]; '@odata.nextLink'?: string }>(
      signIn,
      (graph) => {
        if (options.pageToken) {
          // The token is a nextLink the client sent back: follow it only to this cloud's Graph, never elsewhere.
          if (!options.pageToken.startsWith(`${endpoints.graphBaseUrl}/`)) throw new EntraError('REFUSED', 'InvalidNextLink', 'Invalid page token.');
          return graph.api(options.pageToken);
        }
        const request = graph.api('/applications').select('id,appId,displayName,keyCredentials').top(options.pageSize);
        const prefix = options.nameStartsWith?.trim();
        return prefix ? request.filter(`startswith(displayName,'${prefix.replaceAll("'", "''")}')`) : request;
      },
      'Application.ReadWrite.All',
    );
    return { applications: page.value.map(toApplication), nextPageToken: page['@odata.nextLink'] ?? null };
  }

  async getApplication(signIn: ManagementSignIn, appId: string): Promise<EntraApplication | null> {
    const page = await this.graph<{ value: GraphApplication[] }>(
      signIn,
      (graph) =>
        graph
          .api('/applications')
          .filter(`appId eq '${appId.replaceAll("'", "''")}'`)
          .select('id,appId,displayName,keyCredentials'),
      'Application.ReadWrite.All',
    );
    const application = page.value[0];
    return application ? toApplication(application) : null;
  }

  async addKey(
    signIn: ManagementSignIn,
    application: EntraApplication,
    certificate: PublicCertificate,
    registration: KeyRegistration,
  ): Promise<RegisteredKey> {
    // Idempotent on the application as read: a key already there (the administrator in the portal, another rotation) is reused, and said to be.
    const present = application.keys.find((key) => key.thumbprint === certificate.thumbprint);
    if (present) return { keyId: present.keyId, added: false };
    const keyCredential = {
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
      key: certificate.derBase64,
      displayName: addedKeyDisplayName(certificate.thumbprint),
    };
    if ('proofSigner' in registration) {
      const proof = await signProof(registration.proofSigner, application.id);
      const added = await this.graph<{ keyId: string }>(
        signIn,
        (graph) => graph.api(`/applications/${application.id}/addKey`),
        'Application.ReadWrite.All',
        (request) => request.post({ keyCredential, passwordCredential: null, proof }),
      );
      return { keyId: added.keyId, added: true };
    }
    // The key takes the id chosen by the caller, so it need not be read back.
    const keys = await this.keysWithCertificates(signIn, application.id);
    await this.graph(
      signIn,
      (graph) => graph.api(`/applications/${application.id}`),
      'Application.ReadWrite.All',
      (request) => request.patch({ keyCredentials: [...keys, { ...keyCredential, keyId: registration.keyId }] }),
    );
    return { keyId: registration.keyId, added: true };
  }

  async removeKey(signIn: ManagementSignIn, application: EntraApplication, keyId: string, proofSigner?: SigningCertificate | null): Promise<void> {
    if (!application.keys.some((key) => key.keyId === keyId)) return;
    if (proofSigner) {
      const proof = await signProof(proofSigner, application.id);
      await this.graph(
        signIn,
        (graph) => graph.api(`/applications/${application.id}/removeKey`),
        'Application.ReadWrite.All',
        (request) => request.post({ keyId, proof }),
      );
      return;
    }
    const keys = await this.keysWithCertificates(signIn, application.id);
    await this.graph(
      signIn,
      (graph) => graph.api(`/applications/${application.id}`),
      'Application.ReadWrite.All',
      (request) => request.patch({ keyCredentials: keys.filter((key) => key.keyId !== keyId) }),
    );
  }

  async proveSignIn(
    tenant: EntraTenantRef,
    appId: string,
    certificate: SigningCertificate,
    withinMs: number,
    onRefused?: (attempt: number, entraCode: string) => void,
  ): Promise<void> {
    const deadline = Date.now() + withinMs;
    // A fresh credential: a cached token would prove nothing.
    const credential = this.newCredential({ ...tenant, appId, certificate });
    let wait = 250;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.token(credential, tenant);
        return;
      } catch (error) {
        const retriable = error instanceof EntraError && error.failure !== 'TENANT_NOT_FOUND';
        if (!retriable || Date.now() + wait > deadline) throw error;
        this.logger.debug({ appId, code: error.entraCode }, 'sign-in with the new key refused; Entra may still be replicating it');
        onRefused?.(attempt, error.entraCode);
        await new Promise((resolve) => setTimeout(resolve, wait));
        wait = Math.min(wait * 2, 5000);
      }
    }
  }

  forgetSignIn(signIn: ManagementSignInKey): void {
    this.clients.delete(cacheKeyOf(signIn));
  }

  /** PATCH replaces the whole collection, so it needs every key with its certificate: read them with `$select=keyCredentials`. */
  private async keysWithCertificates(signIn: ManagementSignIn, objectId: string): Promise<Partial<GraphKeyCredential>[]> {
    const application = await this.graph<GraphApplication>(
      signIn,
      (graph) => graph.api(`/applications/${objectId}`).select('keyCredentials'),
      'Application.ReadWrite.All',
    );
    return (application.keyCredentials ?? []).map(({ keyId, type, usage, key, displayName }) => ({ keyId, type, usage, key, displayName }));
  }

  private endpoints(tenant: EntraTenantRef): EntraCloudEndpoints {
    return this.settings.clouds[tenant.cloud];
  }

  private newCredential(signIn: ManagementSignIn): ClientCertificateCredential {
    const { authorityHost } = this.endpoints(signIn);
    return new ClientCertificateCredential(
      signIn.tenant,
      signIn.appId,
      { certificate: `${signIn.certificate.certificatePem}\n${signIn.certificate.privateKeyPem}` },
      {
        authorityHost,
        // Instance discovery asks login.microsoftonline.com about the authority: the configured host is trusted as is.
        disableInstanceDiscovery: true,
        ...(this.ca ? { tlsOptions: { ca: this.ca } } : {}),
        retryOptions: { maxRetries: this.settings.maxRetries, maxRetryDelayInMs: this.settings.maxRetryAfterSeconds * 1000 },
      },
    );
  }

  private client(signIn: ManagementSignIn): { credential: ClientCertificateCredential; graph: Client } {
    const cacheKey = cacheKeyOf(signIn);
    const cached = this.clients.get(cacheKey);
    if (cached) return cached;
    const { graphBaseUrl, graphScope } = this.endpoints(signIn);
    const credential = this.newCredential(signIn);
    const graph = Client.initWithMiddleware({
      authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: [graphScope] }),
      baseUrl: `${graphBaseUrl}/`,
      defaultVersion: 'v1.0',
      // Host name only: the graph client sends tokens to Microsoft's Graph hosts and these, nowhere else.
      customHosts: new Set([new URL(graphBaseUrl).hostname]),
      fetchOptions: { dispatcher: this.agent } as FetchOptions,
    });
    if (this.clients.size >= CREDENTIAL_CACHE_SIZE) this.clients.delete(this.clients.keys().next().value!);
    const entry = { credential, graph };
    this.clients.set(cacheKey, entry);
    return entry;
  }

  private async token(credential: ClientCertificateCredential, tenant: EntraTenantRef): Promise<AccessToken> {
    const { graphScope } = this.endpoints(tenant);
    try {
      return await withDeadline(
        credential.getToken(graphScope, { abortSignal: AbortSignal.timeout(this.settings.requestTimeoutMs) }),
        this.settings.requestTimeoutMs,
      );
    } catch (error) {
      if (error instanceof Error && error.message.includes('endpoints_resolution_error')) throw await this.explainAuthorityFailure(tenant, error);
      throw toEntraError(error, '');
    }
  }

  /**
   * MSAL reports an unknown tenant only as `endpoints_resolution_error` (its metadata request got a
   * 400): ask the authority's metadata endpoint ourselves to tell an unknown tenant from an outage.
   */
  private async explainAuthorityFailure(tenant: EntraTenantRef, cause: Error): Promise<EntraError> {
    const url = `${this.endpoints(tenant).authorityHost}/${encodeURIComponent(tenant.tenant)}/v2.0/.well-known/openid-configuration`;
    try {
      const response = await undiciFetch(url, { dispatcher: this.agent, signal: AbortSignal.timeout(this.settings.requestTimeoutMs) });
      const body = await response.text();
      const aadsts = /AADSTS\d+/.exec(body)?.[0];
      if (response.status === 429) return new EntraError('THROTTLED', aadsts ?? 'HTTP429', `${cause.message} (throttled)`);
      if (response.status === 400 && aadsts) {
        return new EntraError(aadsts === 'AADSTS90002' ? 'TENANT_NOT_FOUND' : 'SIGN_IN_REFUSED', aadsts, `${cause.message} (${aadsts})`);
      }
    } catch {
      // Unreachable: an outage, as below.
    }
    return new EntraError('UNAVAILABLE', 'endpoints_resolution_error', cause.message);
  }

  /** One Graph request with a deadline, bounded retries and Entra's failures mapped; `permission` names what a 403 lacks. */
  private async graph<T>(
    signIn: ManagementSignIn,
    build: (graph: Client) => GraphRequest,
    permission: string,
    send: (request: GraphRequest) => Promise<unknown> = (request) => request.get(),
  ): Promise<T> {
    const { graph } = this.client(signIn);
    const { maxRetries, maxRetryAfterSeconds, requestTimeoutMs } = this.settings;
    // A 503 or 504 may come after Graph did the work: a refusal of the retry then does not tell that nothing changed.
    let retriedAfterServerFailure = false;
    const retry = new RetryHandlerOptions(1, maxRetries, (_delay, _attempt, _request, _options, response) => {
      // A Retry-After beyond the limit is not waited for: the call fails as throttled at once.
      const retryAfter = Number(response.headers.get('retry-after') ?? 0);
      const retrying = Number.isNaN(retryAfter) || retryAfter <= maxRetryAfterSeconds;
      if (retrying && response.status >= 500) retriedAfterServerFailure = true;
      return retrying;
    });
    try {
      const request = build(graph).middlewareOptions([retry]).option('signal', AbortSignal.timeout(requestTimeoutMs));
      return (await withDeadline(send(request), requestTimeoutMs)) as T;
    } catch (error) {
      const failure = toEntraError(error, permission);
      if (!retriedAfterServerFailure || failure.outcomeUnknown) throw failure;
      throw new EntraError(failure.failure, failure.entraCode, failure.message, { outcomeUnknown: true });
    }
  }
}

function cacheKeyOf(signIn: ManagementSignInKey): string {
  return [signIn.cloud, signIn.tenant.toLowerCase(), signIn.appId.toLowerCase(), signIn.certificate.thumbprint].join('|');
}

function toApplication(application: GraphApplication): EntraApplication {
  return {
    id: application.id,
    appId: application.appId,
    displayName: application.displayName,
    keys: (application.keyCredentials ?? []).map((key): EntraKey => ({
      keyId: key.keyId,
      thumbprint: (key.customKeyIdentifier ?? '').toUpperCase(),
      displayName: key.displayName ?? null,
      endDateTime: key.endDateTime ? new Date(key.endDateTime) : null,
    })),
  };
}

/** The addKey / removeKey proof of possession: a JWT signed by a key the application holds, naming its object id. */
async function signProof(signer: SigningCertificate, objectId: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', x5t: Buffer.from(signer.thumbprint, 'hex').toString('base64url') })
    .setAudience(PROOF_AUDIENCE)
    .setIssuer(objectId)
    .setNotBefore(now)
    .setExpirationTime(now + 300)
    .sign(createPrivateKey(signer.privateKeyPem));
}

function tokenRoles(token: string): string[] {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { roles?: unknown };
    return Array.isArray(payload.roles) ? payload.roles.filter((role): role is string => typeof role === 'string') : [];
  } catch {
    return [];
  }
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EntraError('UNAVAILABLE', 'Timeout', `No answer from Entra within ${ms} ms.`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

const THROTTLED_AADSTS = 'AADSTS90055';

/** Maps an @azure/identity or Graph failure to an EntraError with Entra's own code. */
export function toEntraError(error: unknown, permission: string): EntraError {
  if (error instanceof EntraError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // A GraphError without a status never had an answer from Graph: its sign-in or its connection failed
  // (the message and code are the cause's), so it is told apart like any token failure below.
  if (error instanceof GraphError && error.statusCode > 0) {
    const code = error.code ?? `HTTP${error.statusCode}`;
    if (error.statusCode === 429) return new EntraError('THROTTLED', code, message);
    if (error.statusCode === 403) return new EntraError('PERMISSION_MISSING', permission || code, message);
    if (error.statusCode === 404) return new EntraError('NOT_FOUND', code, message);
    if (error.statusCode === 401) return new EntraError('SIGN_IN_REFUSED', code, message);
    if (error.statusCode >= 500) return new EntraError('UNAVAILABLE', code, message);
    return new EntraError('REFUSED', code, message);
  }
  const aadsts = /AADSTS\d+/.exec(message)?.[0];
  const status = (error as { statusCode?: number }).statusCode;
  // The token endpoint throttles with a 429 whose body carries AADSTS90055 (TenantThrottlingError): not a refused sign-in.
  if (aadsts === THROTTLED_AADSTS || status === 429) return new EntraError('THROTTLED', aadsts ?? 'HTTP429', message);
  if (aadsts === 'AADSTS90002' || aadsts === 'AADSTS900023') return new EntraError('TENANT_NOT_FOUND', aadsts, message);
  if (aadsts) return new EntraError('SIGN_IN_REFUSED', aadsts, message);
  if (/\b429\b|throttl/i.test(message)) return new EntraError('THROTTLED', 'HTTP429', message);
  return new EntraError('UNAVAILABLE', (error as { code?: string }).code ?? (error as Error).name ?? 'Error', message);
}
