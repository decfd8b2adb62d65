import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compactVerify, exportJWK, type JWK, SignJWT } from 'jose';
import type { Application, Tenant } from '../directory/directory.js';

/** Audience of Graph access tokens, as Entra writes it in v1.0 tokens for Microsoft Graph. */
export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';

/** The claims Graph reads from an app-only access token. */
export interface AccessTokenClaims {
  aud: string;
  iss: string;
  tid: string;
  appid: string;
  azp: string;
  oid: string;
  roles: string[];
  exp: number;
  nbf: number;
}

export class AccessTokenError extends Error {}

const KEY_FILE = 'token-signing-key.pem';

/** Signs and checks the emulator's access tokens with one RSA key (kept in the data folder when there is one). */
export class AccessTokenSigner {
  private constructor(
    private readonly privateKey: KeyObject,
    private readonly publicKey: KeyObject,
    readonly keyId: string,
  ) {}

  static async create(dataDir: string | undefined): Promise<AccessTokenSigner> {
    const privateKey = await loadOrCreateKey(dataDir);
    const publicKey = createPublicKey(privateKey);
    const keyId = createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64url')
      .slice(0, 27);
    return new AccessTokenSigner(privateKey, publicKey, keyId);
  }

  /** The `jwks_uri` document: lets a client check the tokens the way it would check Entra's. */
  async jwks(): Promise<{ keys: JWK[] }> {
    const jwk = await exportJWK(this.publicKey);
    return { keys: [{ ...jwk, kid: this.keyId, use: 'sig', alg: 'RS256' }] };
  }

  /** An app-only token for Microsoft Graph carrying the application's current permissions. */
  async issue(tenant: Tenant, application: Application, lifetimeSeconds: number): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const issuer = `https://sts.windows.net/${tenant.id}/`;
    return new SignJWT({
      aud: GRAPH_AUDIENCE,
      iss: issuer,
      idp: issuer,
      tid: tenant.id,
      appid: application.appId,
      azp: application.appId,
      // 2: the client authenticated with a certificate.
      appidacr: '2',
      app_displayname: application.displayName,
      idtyp: 'app',
      oid: application.servicePrincipalId,
      sub: application.servicePrincipalId,
      roles: [...application.roles],
      uti: randomUUID().replace(/-/g, ''),
      ver: '1.0',
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.keyId })
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + lifetimeSeconds)
      .sign(this.privateKey);
  }

  /** Checks signature, audience and lifetime; the message says what Graph would say. */
  async verify(token: string): Promise<AccessTokenClaims> {
    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(token, this.publicKey, { algorithms: ['RS256'] }));
    } catch {
      throw new AccessTokenError('Access token validation failure. Invalid signature or malformed token.');
    }
    const claims = JSON.parse(Buffer.from(payload).toString('utf8')) as AccessTokenClaims;
    if (claims.aud !== GRAPH_AUDIENCE) throw new AccessTokenError('Access token validation failure. Invalid audience.');
    const now = Date.now() / 1000;
    if (typeof claims.exp !== 'number' || claims.exp <= now) throw new AccessTokenError('Lifetime validation failed, the token is expired.');
    if (typeof claims.nbf !== 'number' || claims.nbf > now + 300)
      throw new AccessTokenError('Lifetime validation failed, the token is not yet valid.');
    return claims;
  }
}

async function loadOrCreateKey(dataDir: string | undefined): Promise<KeyObject> {
  const path = dataDir ? join(dataDir, KEY_FILE) : undefined;
  if (path) {
    try {
      return createPrivateKey(await readFile(path, 'utf8'));
    } catch {
      // First start: create it below.
    }
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  if (path) await writeFile(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return privateKey;
}
