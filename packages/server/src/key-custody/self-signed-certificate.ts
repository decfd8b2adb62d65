import { generateKeyPair, sign, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { parseCertificate, type ParsedCertificate } from './certificate-metadata.js';

const generateRsaKeyPair = promisify(generateKeyPair);

// Part of forge's public API, missing from its type definitions.
const { getTBSCertificate } = forge.pki as unknown as { getTBSCertificate(certificate: forge.pki.Certificate): forge.asn1.Asn1 };

export interface SelfSignedCertificateRequest {
  /** Subject common name, e.g. `Contoso Backup 01`. */
  commonName: string;
  /** Optional organization (O=) of the subject. */
  organization?: string | null;
  notBefore: Date;
  notAfter: Date;
  keyBits: number;
}

export interface GeneratedCertificate {
  certificate: ParsedCertificate;
  /** PKCS#8 DER of the private key. */
  privateKeyDer: Buffer;
}

/**
 * A self-signed RSA certificate fit for Entra app-only sign-in (digital signature key usage,
 * client authentication). Key generation and signing are native: the key pair is made off the
 * event loop, and forge only lays out the certificate's fields.
 */
export async function generateSelfSignedCertificate(request: SelfSignedCertificateRequest): Promise<GeneratedCertificate> {
  const { privateKey, publicKey } = await generateRsaKeyPair('rsa', { modulusLength: request.keyBits });
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }) as string);
  // Positive 16-byte serial: a leading 0x01 keeps the DER integer from turning negative.
  certificate.serialNumber = `01${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;
  certificate.validity.notBefore = request.notBefore;
  certificate.validity.notAfter = request.notAfter;
  // Least specific attribute first, as certificate authorities write names. Each value is a UTF8String
  // (RFC 5280 §4.1.2.6): forge's default, PrintableString, holds neither non-ASCII letters nor `@ & _ *`.
  // Given the UTF8 tag, forge encodes the JavaScript string as UTF-8 itself (x509.js, _dnToAsn1), so
  // the value goes in as text, not as bytes already encoded.
  // (@types/node-forge declares valueTagClass as an asn1.Class; forge reads it as the value's asn1.Type.)
  const utf8 = (shortName: string, value: string) => ({ shortName, value, valueTagClass: forge.asn1.Type.UTF8 as number as forge.asn1.Class });
  const name = [...(request.organization ? [utf8('O', request.organization)] : []), utf8('CN', request.commonName)];
  certificate.setSubject(name);
  certificate.setIssuer(name);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', clientAuth: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  certificate.signatureOid = forge.pki.oids.sha256WithRSAEncryption!;
  certificate.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption!;
  const toBeSigned = Buffer.from(forge.asn1.toDer(getTBSCertificate(certificate)).getBytes(), 'binary');
  certificate.signature = sign('sha256', toBeSigned, privateKey).toString('binary');
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(certificate)).getBytes(), 'binary');
  return { certificate: parseCertificate(new X509Certificate(der)), privateKeyDer: privateKey.export({ type: 'pkcs8', format: 'der' }) };
}
