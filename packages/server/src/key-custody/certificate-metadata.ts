import { type X509Certificate } from 'node:crypto';

/** What the server records of a certificate, read from its DER encoding. */
export interface CertificateMetadata {
  thumbprint: string;
  thumbprintSha256: string;
  subject: string;
  issuer: string;
  /** Common name of the subject ("Issued To" in Windows), or the whole subject without one. */
  issuedTo: string;
  /** Common name of the issuer ("Issued By"), or the whole issuer without one. */
  issuedBy: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  keyAlgorithm: string;
  keySize: number;
}

const curveBits: Record<string, number> = {
  prime256v1: 256,
  'P-256': 256,
  secp256k1: 256,
  secp384r1: 384,
  'P-384': 384,
  secp521r1: 521,
  'P-521': 521,
};

/** Node prints names one attribute per line, least specific first; Windows shows them the other way round. */
function distinguishedName(multiLine: string): string {
  return multiLine.split('\n').filter(Boolean).reverse().join(', ');
}

function commonName(multiLine: string): string {
  const line = multiLine.split('\n').find((attribute) => attribute.startsWith('CN='));
  return line ? line.slice(3) : distinguishedName(multiLine);
}

function hex(fingerprint: string): string {
  return fingerprint.replaceAll(':', '').toUpperCase();
}

/** A certificate parsed once, with what the server records of it, for every step that follows to share. */
export interface ParsedCertificate {
  x509: X509Certificate;
  metadata: CertificateMetadata;
}

export function parseCertificate(certificate: X509Certificate): ParsedCertificate {
  return { x509: certificate, metadata: readCertificateMetadata(certificate) };
}

export function readCertificateMetadata(certificate: X509Certificate): CertificateMetadata {
  const key = certificate.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  const keyAlgorithm = (key.asymmetricKeyType ?? 'unknown').toUpperCase();
  const keySize = details.modulusLength ?? (details.namedCurve ? (curveBits[details.namedCurve] ?? 0) : 0);
  return {
    thumbprint: hex(certificate.fingerprint),
    thumbprintSha256: hex(certificate.fingerprint256),
    subject: distinguishedName(certificate.subject),
    issuer: distinguishedName(certificate.issuer),
    issuedTo: commonName(certificate.subject),
    issuedBy: commonName(certificate.issuer),
    serialNumber: certificate.serialNumber.toUpperCase(),
    notBefore: new Date(certificate.validFrom),
    notAfter: new Date(certificate.validTo),
    keyAlgorithm,
    keySize,
  };
}
