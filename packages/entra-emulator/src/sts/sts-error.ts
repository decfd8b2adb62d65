import { randomUUID } from 'node:crypto';
import type { EmulatorResponse } from '../http/router.js';

/** OAuth error codes Entra answers with (RFC 6749 section 5.2 plus Entra's own). */
export type OAuthError =
  | 'invalid_request'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'invalid_scope'
  | 'unsupported_grant_type'
  | 'invalid_resource'
  | 'temporarily_unavailable'
  | 'server_error';

/** A refusal by the token endpoint: an AADSTS code and its text, as Entra words it. */
export class StsError extends Error {
  constructor(
    readonly error: OAuthError,
    readonly code: number,
    readonly description: string,
    readonly status = 400,
  ) {
    super(`AADSTS${code}: ${description}`);
  }
}

/**
 * Entra's error body: `error_description` starts with the AADSTS code and ends with the trace id,
 * correlation id and timestamp lines, and the same values come again as separate fields.
 */
export function stsErrorResponse(failure: StsError, correlationId: string | undefined, headers?: Record<string, string>): EmulatorResponse {
  const traceId = randomUUID();
  const correlation = correlationId ?? randomUUID();
  const now = new Date();
  const timestamp = now
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  return {
    status: failure.status,
    headers: { 'x-ms-request-id': traceId, 'client-request-id': correlation, ...headers },
    json: {
      error: failure.error,
      error_description: `${failure.message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${timestamp}`,
      error_codes: [failure.code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlation,
      error_uri: `https://login.microsoftonline.com/error?code=${failure.code}`,
    },
  };
}

export const stsErrors = {
  tenantNotFound: (tenant: string) =>
    new StsError(
      'invalid_request',
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    ),
  applicationNotFound: (appId: string, tenant: string) =>
    new StsError(
      'unauthorized_client',
      700016,
      `Application with identifier '${appId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  missingParameter: (name: string) => new StsError('invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`),
  unsupportedGrantType: (grantType: string) =>
    new StsError(
      'unsupported_grant_type',
      70003,
      `The app requested an unsupported grant type '${grantType}'. This emulator implements 'client_credentials' only.`,
    ),
  credentialRequired: () =>
    new StsError('invalid_client', 7000216, `'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.`),
  wrongAssertionType: (type: string) =>
    new StsError(
      'invalid_client',
      7000216,
      `client_assertion_type '${type}' is not supported: use 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.`,
    ),
  malformedAssertion: (reason: string) => new StsError('invalid_client', 50027, `JWT token is invalid or malformed. [Reason - ${reason}]`),
  issuerMismatch: () => new StsError('invalid_client', 700021, `Client assertion application identifier doesn't match 'client_id' parameter.`),
  audienceMismatch: (audience: string, expected: string) =>
    new StsError('invalid_client', 50013, `Assertion audience claim does not match the required value. Found '${audience}', expected '${expected}'.`),
  assertionTime: (now: number, nbf: number, exp: number) =>
    new StsError(
      'invalid_client',
      700024,
      `Client assertion is not within its valid time range. Current time: ${iso(now)}, assertion valid from ${iso(nbf * 1000)}, expiry time of assertion ${iso(exp * 1000)}.`,
    ),
  keyNotFound: (thumbprint: string, appId: string) =>
    new StsError(
      'invalid_client',
      700027,
      `Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${appId}'.]`,
    ),
  keyExpired: (thumbprint: string, start: string, end: string) =>
    new StsError(
      'invalid_client',
      700027,
      `Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '${thumbprint}', Found key 'Start=${start}, End=${end}']`,
    ),
  badSignature: (thumbprint: string) =>
    new StsError(
      'invalid_client',
      700027,
      `Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '${thumbprint}']`,
    ),
  clientSecretNotAccepted: () =>
    new StsError('invalid_client', 7000215, 'Invalid client secret provided. This application has certificate credentials only.'),
  throttled: () =>
    new StsError('temporarily_unavailable', 90055, 'TenantThrottlingError - There are too many incoming requests. Try again later.', 429),
  transient: (status: number) => new StsError('server_error', 90033, 'A transient error has occurred. Please try again.', status),
  invalidScope: (scope: string) =>
    new StsError(
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  resourceNotFound: (resource: string, tenant: string) =>
    new StsError(
      'invalid_resource',
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    ),
};

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}
