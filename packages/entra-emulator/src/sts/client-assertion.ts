import { compactVerify, decodeProtectedHeader, type ProtectedHeaderParameters } from 'jose';
import type { Application } from '../directory/directory.js';
import { isKeyCurrent, type StoredKey } from '../directory/key-credential.js';
import { stsErrors } from './sts-error.js';

/** Entra tolerates this much clock difference on `nbf` and `exp`. */
const CLOCK_SKEW_SECONDS = 300;
const ALGORITHMS = ['RS256', 'PS256'];

/**
 * Checks a certificate client assertion (RFC 7523) the way Entra does: the key named by `x5t#S256` or
 * `x5t` must be registered on the application, replicated and within its dates; the signature must hold;
 * `iss` = `sub` = client id, `aud` = the token endpoint, `nbf`/`exp` around now, and a `jti`.
 * An assertion may be presented again while it is valid, as Entra allows: MSAL signs one per client
 * application and re-sends it with every token request for its 10 minutes (`ClientAssertion.getJwt`).
 * Throws an `StsError` carrying the AADSTS code Entra would answer with.
 */
export async function verifyClientAssertion(assertion: string, application: Application, acceptedAudiences: string[]): Promise<void> {
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    throw stsErrors.malformedAssertion('The client assertion is not a compact JWS.');
  }
  if (!header.alg || !ALGORITHMS.includes(header.alg)) {
    throw stsErrors.malformedAssertion(`Unsupported signing algorithm '${String(header.alg)}': use RS256 or PS256.`);
  }
  const now = Date.now();
  const { key, thumbprint } = selectKey(application, header);
  if (!key || now < key.replicatedAt) throw stsErrors.keyNotFound(thumbprint, application.appId);
  if (!isKeyCurrent(key, now)) throw stsErrors.keyExpired(thumbprint, key.credential.startDateTime, key.credential.endDateTime);

  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(assertion, key.publicKey, { algorithms: [header.alg] }));
  } catch {
    throw stsErrors.badSignature(thumbprint);
  }
  const claims = parseClaims(payload);
  const clientId = application.appId;
  if (lower(claims.iss) !== clientId || lower(claims.sub) !== clientId) throw stsErrors.issuerMismatch();
  const audience = typeof claims.aud === 'string' ? claims.aud : JSON.stringify(claims.aud);
  if (!acceptedAudiences.includes(audience)) throw stsErrors.audienceMismatch(audience, acceptedAudiences[0] ?? '');
  if (typeof claims.exp !== 'number' || typeof claims.nbf !== 'number')
    throw stsErrors.malformedAssertion("The 'nbf' and 'exp' claims are required.");
  const seconds = now / 1000;
  if (seconds + CLOCK_SKEW_SECONDS < claims.nbf || seconds - CLOCK_SKEW_SECONDS >= claims.exp) {
    throw stsErrors.assertionTime(now, claims.nbf, claims.exp);
  }
  if (typeof claims.jti !== 'string' || claims.jti === '') throw stsErrors.malformedAssertion("The 'jti' claim is required.");
}

function selectKey(application: Application, header: ProtectedHeaderParameters): { key: StoredKey | undefined; thumbprint: string } {
  const sha256 = header['x5t#S256'];
  if (typeof sha256 === 'string') {
    return { key: application.keys.find((key) => key.x5tS256 === sha256), thumbprint: hex(sha256) };
  }
  if (typeof header.x5t === 'string') {
    const x5t = header.x5t;
    return { key: application.keys.find((key) => key.x5t === x5t), thumbprint: hex(x5t) };
  }
  throw stsErrors.malformedAssertion("The client assertion header names no key: 'x5t#S256' or 'x5t' is required.");
}

interface AssertionClaims {
  iss?: unknown;
  sub?: unknown;
  aud?: unknown;
  nbf?: unknown;
  exp?: unknown;
  jti?: unknown;
}

function parseClaims(payload: Uint8Array): AssertionClaims {
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload).toString('utf8'));
    if (typeof claims === 'object' && claims !== null) return claims as AssertionClaims;
  } catch {
    // Reported below.
  }
  throw stsErrors.malformedAssertion('The client assertion payload is not a JSON object.');
}

function lower(value: unknown): string | undefined {
  return typeof value === 'string' ? value.toLowerCase() : undefined;
}

/** Thumbprints appear in Entra's messages as uppercase hex. */
function hex(base64url: string): string {
  return Buffer.from(base64url, 'base64url').toString('hex').toUpperCase();
}
