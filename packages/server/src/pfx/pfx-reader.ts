import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { ErrorCode } from '@bam/shared';
import { DomainError } from '../common/domain-error.js';
import {
  children,
  DerError,
  expectTag,
  octets,
  oid,
  readElement,
  readWhole,
  smallInteger,
  Tag,
  type DerElement,
} from './der-reader.js';
import { decrypt } from './pfx-decryption.js';
import { pfxPassword, rejectedPassword, type PfxPassword } from './pfx-key-derivation.js';
import { verifyMac } from './pfx-mac.js';

/** What a PFX file holds, as DER, for the caller to check and store. */
export interface PfxContents {
  /** DER of the certificate the private key belongs to (or, with no key, the end-entity certificate). */
  certificate: Buffer;
  /** DER of every other certificate in the file (the chain), in file order. */
  chain: Buffer[];
  /** Unencrypted PKCS#8 DER of the private key, or null when the file holds none. Lives in memory only. */
  privateKey: Buffer | null;
}

const oids = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',
} as const;

// SafeContents may nest through safeContentsBags; no tool nests them, so a few levels is plenty.
const maxSafeContentsDepth = 4;

interface Bags {
  certificates: Buffer[];
  keys: Buffer[];
}

/**
 * Reads a PKCS#12 (PFX) file: checks its MAC, decrypts it and returns its certificates and private
 * key. It decides nothing about key type, size or validity dates; the caller does.
 *
 * It is CPU-bound (key derivation runs thousands of hash rounds) and synchronous: call it through
 * the worker pool (`createPfxWorkerPool`), not on the event loop.
 *
 * @throws DomainError PFX_EMPTY, PFX_IS_PEM, PFX_TRUNCATED, PFX_NOT_PKCS12, PFX_PASSWORD_REQUIRED,
 *   PFX_WRONG_PASSWORD, PFX_UNSUPPORTED_ALGORITHM, PFX_NO_CERTIFICATE, PFX_MULTIPLE_KEYS or
 *   CERTIFICATE_KEY_MISMATCH. Messages never include the password or key material.
 */
export function readPfx(file: Uint8Array, password: string): PfxContents {
  const input = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (input.length === 0) throw new DomainError(ErrorCode.PFX_EMPTY);
  if (isPem(input)) throw new DomainError(ErrorCode.PFX_IS_PEM);
  const pfx = readPfxElement(input);
  const bags = onMalformed(
    () => readBags(pfx, pfxPassword(password)),
    () => new DomainError(ErrorCode.PFX_NOT_PKCS12),
  );
  return pairKeyWithCertificate(bags);
}

/**
 * PEM text: a `-----BEGIN` line, possibly after a byte-order mark, white space or the "Bag
 * Attributes" lines `openssl pkcs12 -nodes` writes. A PFX starts with a SEQUENCE tag instead.
 */
function isPem(input: Buffer): boolean {
  return input[0] !== Tag.sequence && input.includes('-----BEGIN');
}

const pfxVersion = Buffer.from([Tag.integer, 0x01, 0x03]);

function readPfxElement(input: Buffer): DerElement {
  try {
    // Bytes after the PFX are ignored, as OpenSSL does; the MAC does not cover them anyway.
    return readElement(input);
  } catch (error) {
    if (!(error instanceof DerError)) throw error;
    throw new DomainError(error.truncated && startsLikePfx(input) ? ErrorCode.PFX_TRUNCATED : ErrorCode.PFX_NOT_PKCS12);
  }
}

/** A cut-off PFX still begins with a SEQUENCE header and version 3, as far as it goes. */
function startsLikePfx(input: Buffer): boolean {
  const lengthByte = input[1];
  if (input[0] !== Tag.sequence) return false;
  if (lengthByte === undefined) return true;
  const versionStart = 2 + (lengthByte > 0x80 ? lengthByte & 0x7f : 0);
  const seen = input.subarray(versionStart, versionStart + pfxVersion.length);
  return seen.equals(pfxVersion.subarray(0, seen.length));
}

/**
 * PFX: version 3, the AuthenticatedSafe (a ContentInfo), and an optional MacData. The MAC is checked
 * before anything inside the AuthenticatedSafe is read or decrypted.
 */
function readBags(pfx: DerElement, password: PfxPassword): Bags {
  const [version, authSafeInfo, macData] = children(expectTag(pfx, Tag.sequence));
  if (smallInteger(version) !== 3) throw new DerError();
  const [contentType, content] = children(expectTag(authSafeInfo, Tag.sequence));
  const type = oid(contentType);
  // A SignedData AuthenticatedSafe is PKCS#12's public-key integrity mode; no mainstream tool writes it.
  if (type === oids.signedData) throw new DomainError(ErrorCode.PFX_UNSUPPORTED_ALGORITHM);
  if (type !== oids.data) throw new DerError();
  const authenticatedSafe = explicitOctetString(content);
  const opened = macData ? verifyMac(macData, authenticatedSafe, password) : password;

  const bags: Bags = { certificates: [], keys: [] };
  for (const contentInfo of children(expectTag(readWhole(authenticatedSafe), Tag.sequence))) {
    readContentInfo(contentInfo, opened, bags);
  }
  return bags;
}

/** One entry of the AuthenticatedSafe: SafeContents in the clear, or encrypted with the password. */
function readContentInfo(contentInfo: DerElement, password: PfxPassword, bags: Bags): void {
  const [contentType, content] = children(expectTag(contentInfo, Tag.sequence));
  switch (oid(contentType)) {
    case oids.data:
      readSafeContents(readWhole(explicitOctetString(content)), password, bags, 0);
      return;
    case oids.encryptedData: {
      // EncryptedData: version, EncryptedContentInfo (contentType, algorithm, [0] IMPLICIT content).
      const [encryptedData] = children(expectTag(content, Tag.context0));
      const [, encryptedContentInfo] = children(expectTag(encryptedData, Tag.sequence));
      const [, algorithm, encryptedContent] = children(expectTag(encryptedContentInfo, Tag.sequence));
      if (!encryptedContent) return;
      if (encryptedContent.tag !== Tag.context0Primitive && encryptedContent.tag !== Tag.context0) throw new DerError();
      const plaintext = decrypt(expectTag(algorithm, Tag.sequence), octets(encryptedContent), password);
      // A wrong key that happens to leave valid padding yields garbage: that is the password's fault.
      onMalformed(
        () => readSafeContents(readWhole(plaintext), password, bags, 0),
        () => rejectedPassword(password),
      );
      return;
    }
    // EnvelopedData is the public-key privacy mode, encrypted to a certificate rather than a password.
    case oids.envelopedData:
      throw new DomainError(ErrorCode.PFX_UNSUPPORTED_ALGORITHM);
    default:
      throw new DerError();
  }
}

/** SafeContents: a SEQUENCE of SafeBags (bagId, [0] EXPLICIT bagValue, bagAttributes). */
function readSafeContents(safeContents: DerElement, password: PfxPassword, bags: Bags, depth: number): void {
  if (depth > maxSafeContentsDepth) throw new DerError();
  for (const safeBag of children(expectTag(safeContents, Tag.sequence))) {
    const [bagId, explicitValue] = children(expectTag(safeBag, Tag.sequence));
    const [value] = children(expectTag(explicitValue, Tag.context0));
    if (!value) throw new DerError();
    switch (oid(bagId)) {
      case oids.keyBag:
        bags.keys.push(expectTag(value, Tag.sequence).encoded);
        break;
      case oids.pkcs8ShroudedKeyBag: {
        const [algorithm, encrypted] = children(expectTag(value, Tag.sequence));
        const plaintext = decrypt(expectTag(algorithm, Tag.sequence), octets(expectTag(encrypted, Tag.octetString)), password);
        bags.keys.push(onMalformed(() => readWhole(plaintext).encoded, () => rejectedPassword(password)));
        break;
      }
      case oids.certBag: {
        const [certId, certValue] = children(expectTag(value, Tag.sequence));
        // SDSI certificates are not X.509; nothing here could use them.
        if (oid(certId) === oids.x509Certificate) bags.certificates.push(explicitOctetString(certValue));
        break;
      }
      case oids.safeContentsBag:
        readSafeContents(value, password, bags, depth + 1);
        break;
      // CRL and secret bags hold nothing a sign-in needs.
    }
  }
}

/** `[0] EXPLICIT OCTET STRING`, as ContentInfo and CertBag wrap their content. */
function explicitOctetString(element: DerElement | undefined): Buffer {
  const [inner] = children(expectTag(element, Tag.context0));
  if (inner?.tag !== Tag.octetString && inner?.tag !== Tag.constructedOctetString) throw new DerError();
  return octets(inner);
}

interface ParsedCertificate {
  der: Buffer;
  x509: X509Certificate;
}

function pairKeyWithCertificate({ certificates, keys }: Bags): PfxContents {
  if (certificates.length === 0) throw new DomainError(ErrorCode.PFX_NO_CERTIFICATE);
  if (keys.length > 1) throw new DomainError(ErrorCode.PFX_MULTIPLE_KEYS);
  const parsed = certificates.map(parseCertificate);
  const [keyDer] = keys;
  const key = keyDer ? parsePrivateKey(keyDer) : null;
  const leaf = key ? certificateOfKey(parsed, key) : endEntityCertificate(parsed);
  return {
    // Copies, so the result holds no view into the caller's file or a decrypted buffer.
    certificate: Buffer.from(leaf.der),
    // Some tools repeat the leaf among the other certificates; it is not part of its own chain.
    chain: parsed.filter(({ der }) => !der.equals(leaf.der)).map(({ der }) => Buffer.from(der)),
    privateKey: key ? key.export({ type: 'pkcs8', format: 'der' }) : null,
  };
}

function parseCertificate(der: Buffer): ParsedCertificate {
  try {
    return { der, x509: new X509Certificate(der) };
  } catch {
    throw new DomainError(ErrorCode.PFX_NOT_PKCS12);
  }
}

function parsePrivateKey(der: Buffer): KeyObject {
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch {
    // Well-formed PKCS#8 that Node cannot load holds a key algorithm it does not know.
    throw new DomainError(ErrorCode.PFX_UNSUPPORTED_ALGORITHM);
  }
}

/** The certificate whose public key is the key's (works for RSA and EC alike). */
function certificateOfKey(certificates: ParsedCertificate[], key: KeyObject): ParsedCertificate {
  const publicKey = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const match = certificates.find(({ x509 }) => x509.publicKey.export({ type: 'spki', format: 'der' }).equals(publicKey));
  if (!match) throw new DomainError(ErrorCode.CERTIFICATE_KEY_MISMATCH);
  return match;
}

/** Without a key, the end-entity certificate is the one that issued none of the others (the first such). */
function endEntityCertificate(certificates: ParsedCertificate[]): ParsedCertificate {
  const issuedNothing = certificates.find(
    (candidate) => !certificates.some((other) => other !== candidate && other.x509.checkIssued(candidate.x509)),
  );
  return issuedNothing ?? certificates[0]!;
}

/** Runs `read`, turning malformed ASN.1 into the given error. */
function onMalformed<T>(read: () => T, error: () => DomainError): T {
  try {
    return read();
  } catch (caught) {
    if (caught instanceof DerError) throw error();
    throw caught;
  }
}
