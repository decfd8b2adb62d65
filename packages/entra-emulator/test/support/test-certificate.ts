import { createHash, createPrivateKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import forge from 'node-forge';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A self-signed certificate with its RSA key, as the backup server would hold one. */
export interface TestCertificate {
  certificatePem: string;
  privateKeyPem: string;
  privateKey: KeyObject;
  /** base64 DER: the `key` of a Graph keyCredential. */
  derBase64: string;
  /** Uppercase hex SHA-1: Entra's customKeyIdentifier. */
  sha1Thumbprint: string;
  /** base64url SHA-1 / SHA-256 of the DER: the `x5t` / `x5t#S256` headers. */
  x5t: string;
  x5tS256: string;
}

export function createTestCertificate(
  commonName: string,
  validity: { fromDays: number; toDays: number } = { fromDays: -1, toDays: 365 },
): TestCertificate {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(privateKeyPem) as forge.pki.rsa.PrivateKey;
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  certificate.serialNumber = `01${randomBytes(8).toString('hex')}`;
  certificate.validity.notBefore = new Date(Date.now() + validity.fromDays * DAY_MS);
  certificate.validity.notAfter = new Date(Date.now() + validity.toDays * DAY_MS);
  certificate.setSubject([{ name: 'commonName', value: commonName }]);
  certificate.setIssuer([{ name: 'commonName', value: commonName }]);
  certificate.sign(forgeKey, forge.md.sha256.create());
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(certificate)).getBytes(), 'binary');
  const sha1 = createHash('sha1').update(der).digest();
  return {
    certificatePem: forge.pki.certificateToPem(certificate),
    privateKeyPem,
    privateKey: createPrivateKey(privateKeyPem),
    derBase64: der.toString('base64'),
    sha1Thumbprint: sha1.toString('hex').toUpperCase(),
    x5t: sha1.toString('base64url'),
    x5tS256: createHash('sha256').update(der).digest('base64url'),
  };
}
