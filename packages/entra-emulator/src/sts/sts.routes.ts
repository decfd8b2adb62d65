import type { Directory } from '../directory/directory.js';
import type { FaultPlan } from '../faults/fault-plan.js';
import type { EmulatorRequest, EmulatorResponse, Router } from '../http/router.js';
import type { AccessTokenSigner } from './access-token.js';
import { verifyClientAssertion } from './client-assertion.js';
import { StsError, stsErrorResponse, stsErrors } from './sts-error.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const GRAPH_SCOPES = new Set(['https://graph.microsoft.com/.default', '00000003-0000-0000-c000-000000000000/.default']);
/** MSAL may add the OpenID scopes to any request; Entra ignores them for client credentials. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access']);

interface StsDependencies {
  directory: Directory;
  faults: FaultPlan;
  signer: AccessTokenSigner;
}

/** The issuer's own origin as the client addressed it, e.g. `https://localhost:4433`. */
export function requestOrigin(request: EmulatorRequest): string {
  return `https://${request.headers.host ?? request.url.host}`;
}

/** The Entra endpoints: OpenID discovery, signing keys and the v2.0 token endpoint. */
export function addStsRoutes(router: Router, { directory, faults, signer }: StsDependencies): void {
  const withStsErrors =
    (handler: (request: EmulatorRequest) => Promise<EmulatorResponse> | EmulatorResponse) =>
    async (request: EmulatorRequest): Promise<EmulatorResponse> => {
      const correlationId = header(request, 'client-request-id');
      try {
        const fault = faults.take('token', request.url.pathname);
        if (fault?.kind === 'throttle') {
          return stsErrorResponse(stsErrors.throttled(), correlationId, { 'retry-after': String(fault.retryAfterSeconds) });
        }
        if (fault?.kind === 'serverError') return stsErrorResponse(stsErrors.transient(fault.status), correlationId);
        return await handler(request);
      } catch (error) {
        if (error instanceof StsError) return stsErrorResponse(error, correlationId);
        throw error;
      }
    };

  router.add(
    'GET',
    '/:tenant/v2.0/.well-known/openid-configuration',
    withStsErrors((request) => {
      const tenant = directory.findTenant(request.params.tenant!);
      if (!tenant) throw stsErrors.tenantNotFound(request.params.tenant!);
      const base = `${requestOrigin(request)}/${tenant.id}`;
      return {
        status: 200,
        json: {
          token_endpoint: `${base}/oauth2/v2.0/token`,
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
          jwks_uri: `${base}/discovery/v2.0/keys`,
          response_modes_supported: ['query', 'fragment', 'form_post'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
          issuer: `${base}/v2.0`,
          request_uri_parameter_supported: false,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`,
          tenant_region_scope: 'NA',
          cloud_instance_name: 'microsoftonline.com',
          msgraph_host: 'graph.microsoft.com',
        },
      };
    }),
  );

  router.add(
    'GET',
    '/:tenant/discovery/v2.0/keys',
    withStsErrors(async (request) => {
      if (!directory.findTenant(request.params.tenant!)) throw stsErrors.tenantNotFound(request.params.tenant!);
      return { status: 200, json: await signer.jwks() };
    }),
  );

  router.add(
    'POST',
    '/:tenant/oauth2/v2.0/token',
    withStsErrors(async (request) => {
      const tenant = directory.findTenant(request.params.tenant!);
      if (!tenant) throw stsErrors.tenantNotFound(request.params.tenant!);
      const form = formBody(request);
      const grantType = required(form, 'grant_type');
      if (grantType !== 'client_credentials') throw stsErrors.unsupportedGrantType(grantType);
      const clientId = required(form, 'client_id');
      const scope = required(form, 'scope');
      const application = directory.findByAppId(tenant, clientId);
      if (!application) throw stsErrors.applicationNotFound(clientId, tenant.id);
      if (form.has('client_secret')) throw stsErrors.clientSecretNotAccepted();
      const assertion = form.get('client_assertion');
      if (!assertion) throw stsErrors.credentialRequired();
      const assertionType = form.get('client_assertion_type') ?? '';
      if (assertionType !== JWT_BEARER) throw stsErrors.wrongAssertionType(assertionType);

      const origin = requestOrigin(request);
      await verifyClientAssertion(assertion, application, [
        `${origin}/${request.params.tenant!}/oauth2/v2.0/token`,
        `${origin}/${tenant.id}/oauth2/v2.0/token`,
      ]);
      checkScope(scope, tenant.id);
      const lifetime = faults.settings.accessTokenLifetimeSeconds;
      return {
        status: 200,
        json: {
          token_type: 'Bearer',
          expires_in: lifetime,
          ext_expires_in: lifetime,
          access_token: await signer.issue(tenant, application, lifetime),
        },
      };
    }),
  );
}

function header(request: EmulatorRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function formBody(request: EmulatorRequest): URLSearchParams {
  const contentType = header(request, 'content-type') ?? '';
  if (!contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) throw stsErrors.missingParameter('grant_type');
  return new URLSearchParams(request.body.toString('utf8'));
}

function required(form: URLSearchParams, name: string): string {
  const value = form.get(name);
  if (!value) throw stsErrors.missingParameter(name);
  return value;
}

/** Client credentials take one `{resource}/.default` scope; only Microsoft Graph exists here. */
function checkScope(scope: string, tenantId: string): void {
  const scopes = scope.split(' ').filter((item) => item !== '' && !OIDC_SCOPES.has(item));
  if (scopes.length !== 1 || !scopes[0]!.endsWith('/.default')) throw stsErrors.invalidScope(scope);
  if (!GRAPH_SCOPES.has(scopes[0]!)) throw stsErrors.resourceNotFound(scopes[0]!.slice(0, -'/.default'.length), tenantId);
}
