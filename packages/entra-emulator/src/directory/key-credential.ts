import { createHash, randomUUID, type KeyObject, X509Certificate } from 'node:crypto';

/** A certificate registered on an application, as Graph shows it (`microsoft.graph.keyCredential`). */
export interface KeyCredential {
  keyId: string;
  /** SHA-1 thumbprint of the certificate, uppercase hex — what the Entra portal and Windows show. */
  customKeyIdentifier: string;
  displayName: string;
  startDateTime: string;
  endDateTime: string;
  type: 'AsymmetricX509Cert';
  usage: 'Verify';
  /** The certificate, base64 DER. */
  key: string;
}

/** A key credential with what the token endpoint needs to check signatures against it. */
export interface StoredKey {
  credential: KeyCredential;
  publicKey: KeyObject;
  /** base64url SHA-1 and SHA-256 of the DER certificate: the `x5t` and `x5t#S256` JWT headers. */
  x5t: string;
  x5tS256: string;
  /** Epoch ms from which the token endpoint accepts the key: Entra takes a while to replicate a new key. */
  replicatedAt: number;
}

/** A request to register a certificate: everything but the certificate itself may be left out. */
export interface KeyCredentialInput {
  key: string;
  keyId?: string;
  displayName?: string;
  startDateTime?: string;
  endDateTime?: string;
  type?: string;
  usage?: string;
}

export class KeyCredentialError extends Error {}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Validates a certificate the way Graph does before it becomes a key credential. */
export function toStoredKey(input: KeyCredentialInput, replicatedAt: number): StoredKey {
  if ((input.type ?? 'AsymmetricX509Cert') !== 'AsymmetricX509Cert') {
    throw new KeyCredentialError(`Key credential type '${input.type}' is not supported: only AsymmetricX509Cert.`);
  }
  if ((input.usage ?? 'Verify') !== 'Verify') throw new KeyCredentialError(`Key credential usage must be 'Verify' for AsymmetricX509Cert.`);
  if (input.keyId !== undefined && !GUID.test(input.keyId)) throw new KeyCredentialError(`Invalid value specified for property 'keyId'.`);
  const der = Buffer.from(input.key, 'base64');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(der);
  } catch {
    throw new KeyCredentialError(`Invalid value specified for property 'key' of resource 'KeyCredential': not a DER X.509 certificate.`);
  }
  if (certificate.publicKey.asymmetricKeyType !== 'rsa') throw new KeyCredentialError('Only RSA certificates can sign client assertions.');
  const notBefore = new Date(certificate.validFrom);
  const notAfter = new Date(certificate.validTo);
  const start = input.startDateTime ? new Date(input.startDateTime) : notBefore;
  const end = input.endDateTime ? new Date(input.endDateTime) : notAfter;
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || start >= end) {
    throw new KeyCredentialError('Key credential startDateTime must be a date before endDateTime.');
  }
  // Entra refuses a key credential that claims a validity the certificate itself does not have.
  if (start < notBefore || end > notAfter) {
    throw new KeyCredentialError("Key credential dates must lie within the certificate's validity period.");
  }
  const sha1 = createHash('sha1').update(der).digest();
  return {
    credential: {
      keyId: (input.keyId ?? randomUUID()).toLowerCase(),
      customKeyIdentifier: sha1.toString('hex').toUpperCase(),
      displayName: input.displayName ?? certificate.subject.replace(/\n/g, ', '),
      startDateTime: start.toISOString(),
      endDateTime: end.toISOString(),
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
      key: der.toString('base64'),
    },
    publicKey: certificate.publicKey,
    x5t: sha1.toString('base64url'),
    x5tS256: createHash('sha256').update(der).digest('base64url'),
    replicatedAt,
  };
}

/** Whether the key is inside its validity window at `now`. */
export function isKeyCurrent(key: StoredKey, now: number): boolean {
  return Date.parse(key.credential.startDateTime) <= now && now < Date.parse(key.credential.endDateTime);
}
