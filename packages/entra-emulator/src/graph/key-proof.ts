import { compactVerify, decodeProtectedHeader, type ProtectedHeaderParameters } from 'jose';
import type { Application } from '../directory/directory.js';
import { isKeyCurrent, type StoredKey } from '../directory/key-credential.js';
import { graphErrors } from './graph-error.js';

/**
 * Audiences of an addKey/removeKey proof. Microsoft documented the Azure AD Graph app id
 * (00000002-…) first and the Microsoft Graph app id (00000003-…) later; Graph accepts both.
 */
const PROOF_AUDIENCES = new Set(['00000002-0000-0000-c000-000000000000', '00000003-0000-0000-c000-000000000000']);
/** "The token lifespan should not exceed 10 minutes." */
const MAX_LIFETIME_SECONDS = 600;
const CLOCK_SKEW_SECONDS = 300;
const ALGORITHMS = ['RS256', 'PS256'];

/**
 * Checks the proof of possession of addKey and removeKey: a self-signed JWT from one of the application's
 * current certificates, `aud` = the Graph service, `iss` = the application's object id (not its appId),
 * `nbf`/`exp` around now and at most 10 minutes apart. Returns the key that signed it.
 */
export async function verifyKeyProof(proof: unknown, application: Application): Promise<StoredKey> {
  if (typeof proof !== 'string' || proof === '') throw invalid("the 'proof' property is required.");
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    throw invalid('the proof is not a compact JWS.');
  }
  if (!header.alg || !ALGORITHMS.includes(header.alg)) throw invalid(`unsupported signing algorithm '${String(header.alg)}'.`);
  const now = Date.now();
  const current = application.keys.filter((key) => isKeyCurrent(key, now));
  if (current.length === 0) {
    throw graphErrors.badRequest(
      'The application has no valid certificate to prove possession with: use Update application (PATCH keyCredentials) instead.',
    );
  }
  const named = namedKeys(current, header);
  const candidates = named ?? current;
  if (candidates.length === 0) throw invalid("the key named in the proof's header is not a valid certificate of the application.");
  let payload: Uint8Array | undefined;
  let signer: StoredKey | undefined;
  for (const key of candidates) {
    try {
      ({ payload } = await compactVerify(proof, key.publicKey, { algorithms: [header.alg] }));
      signer = key;
      break;
    } catch {
      // Try the next certificate: without a key hint any current one may have signed it.
    }
  }
  if (!payload || !signer) throw invalid("the signature does not match any of the application's valid certificates.");

  const claims = JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>;
  if (typeof claims.aud !== 'string' || !PROOF_AUDIENCES.has(claims.aud)) {
    throw invalid(`'aud' must be '00000002-0000-0000-c000-000000000000', found '${String(claims.aud)}'.`);
  }
  if (typeof claims.iss !== 'string' || claims.iss.toLowerCase() !== application.id) {
    throw invalid(`'iss' must be the object id of the application ('${application.id}'), found '${String(claims.iss)}'.`);
  }
  if (typeof claims.nbf !== 'number' || typeof claims.exp !== 'number') throw invalid("'nbf' and 'exp' are required.");
  if (claims.exp - claims.nbf > MAX_LIFETIME_SECONDS) throw invalid('the proof must not be valid for more than 10 minutes.');
  const seconds = now / 1000;
  if (seconds + CLOCK_SKEW_SECONDS < claims.nbf || seconds - CLOCK_SKEW_SECONDS >= claims.exp)
    throw invalid('the proof is expired or not yet valid.');
  return signer;
}

/** The keys the header names (`x5t#S256`, `x5t`, or a SHA-1 thumbprint as `kid`), or `undefined` when it names none. */
function namedKeys(keys: StoredKey[], header: ProtectedHeaderParameters): StoredKey[] | undefined {
  const sha256 = header['x5t#S256'];
  if (typeof sha256 === 'string') return keys.filter((key) => key.x5tS256 === sha256);
  if (typeof header.x5t === 'string') return keys.filter((key) => key.x5t === header.x5t);
  if (typeof header.kid === 'string' && /^[0-9a-f]{40}$/i.test(header.kid)) {
    return keys.filter((key) => key.credential.customKeyIdentifier === header.kid!.toUpperCase());
  }
  return undefined;
}

function invalid(reason: string) {
  return graphErrors.badRequest(`Invalid proof of possession: ${reason}`);
}
