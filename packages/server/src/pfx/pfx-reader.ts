import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { ErrorCode } from '@bam/shared';
import { DomainError } from '../common/domain-error.js';
import { children, DerError, expectTag, octets, oid, readElement, readWhole, smallInteger, Tag, type DerElement } from './der-reader.js';
import { PfxWorkBudget } from './pfx-budget.js';
import { passwordEncryption, type PasswordEncryption } from './pfx-decryption.js';
import { pfxPassword, rejectedPassword, type PfxPassword } from './pfx-key-derivation.js';
import { readMac } from './pfx-mac.js';

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
  /** PKCS#8 DER, or the key OpenSSL already decrypted and loaded. */
  keys: (Buffer | KeyObject)[];
}

/**
 * Reads a PKCS#12 (PFX) file: checks its MAC, decrypts it and returns its certificates and private
 * key. It decides nothing about key type, size or validity dates; the caller does.
 *
 * It is CPU-bound (key derivation runs thousands of hash rounds) and synchronous: call it through
 * the worker pool (`createPfxWorkerPool`), not on the event loop.
 *
 * @throws DomainError PFX_EMPTY, PFX_IS_PEM, PFX_TRUNCATED, PFX_NOT_PKCS12, PFX_TOO_COMPLEX,
 *   PFX_PASSWORD_REQUIRED, PFX_WRONG_PASSWORD, PFX_UNSUPPORTED_ALGORITHM, PFX_NO_CERTIFICATE, PFX_MULTIPLE_KEYS or
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

/** An AuthenticatedSafe entry: SafeContents in the clear (already read), or encrypted with the password. */
type SafeEntry = { bags: SafeBag[] } | { encryption: PasswordEncryption; ciphertext: Buffer };

/** A SafeBag, read but not yet decrypted. */
type SafeBag =
  | { type: 'key'; der: Buffer }
  | { type: 'shroudedKey'; encryption: PasswordEncryption; ciphertext: Buffer; encryptedKeyInfo: Buffer }
  | { type: 'certificate'; der: Buffer }
  | { type: 'ignored' };

/**
 * PFX: version 3, the AuthenticatedSafe (a ContentInfo), and an optional MacData. Everything that can
 * be read without the password is read and charged to the budget first, so a file that asks for too
 * much is refused before any key derivation; then the MAC is checked, before anything is decrypted.
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
  const mac = macData ? readMac(macData) : null;
  const entries = children(expectTag(readWhole(authenticatedSafe), Tag.sequence)).map(readContentInfo);

  const budget = new PfxWorkBudget();
  budget.charge(entries.length, mac?.iterations ?? 0);
  for (const entry of entries) {
    if ('bags' in entry) charge(budget, entry.bags);
    else budget.charge(0, entry.encryption.iterations);
  }
  const opened = mac ? mac.verify(authenticatedSafe, password) : password;

  const bags: Bags = { certificates: [], keys: [] };
  for (const entry of entries) {
    for (const bag of 'bags' in entry ? entry.bags : decryptSafeContents(entry, opened, budget)) collect(bag, opened, bags);
  }
  return bags;
}

function charge(budget: PfxWorkBudget, bags: SafeBag[]): void {
  budget.charge(
    bags.length,
    bags.reduce((sum, bag) => sum + (bag.type === 'shroudedKey' ? bag.encryption.iterations : 0), 0),
  );
}

/** One entry of the AuthenticatedSafe: SafeContents in the clear, or encrypted with the password. */
function readContentInfo(contentInfo: DerElement): SafeEntry {
  const [contentType, content] = children(expectTag(contentInfo, Tag.sequence));
  switch (oid(contentType)) {
    case oids.data:
      return { bags: readSafeContents(readWhole(explicitOctetString(content)), 0) };
    case oids.encryptedData: {
      // EncryptedData: version, EncryptedContentInfo (contentType, algorithm, [0] IMPLICIT content).
      const [encryptedData] = children(expectTag(content, Tag.context0));
      const [, encryptedContentInfo] = children(expectTag(encryptedData, Tag.sequence));
      const [, algorithm, encryptedContent] = children(expectTag(encryptedContentInfo, Tag.sequence));
      if (!encryptedContent) return { bags: [] };
      if (encryptedContent.tag !== Tag.context0Primitive && encryptedContent.tag !== Tag.context0) throw new DerError();
      return { encryption: passwordEncryption(expectTag(algorithm, Tag.sequence)), ciphertext: octets(encryptedContent) };
    }
    // EnvelopedData is the public-key privacy mode, encrypted to a certificate rather than a password.
    case oids.envelopedData:
      throw new DomainError(ErrorCode.PFX_UNSUPPORTED_ALGORITHM);
    default:
      throw new DerError();
  }
}

/** Decrypts an encrypted entry and charges what its bags ask for before any of them is decrypted. */
function decryptSafeContents(entry: Exclude<SafeEntry, { bags: SafeBag[] }>, password: PfxPassword, budget: PfxWorkBudget): SafeBag[] {
  const plaintext = entry.encryption.decrypt(entry.ciphertext, password);
  // A wrong key that happens to leave valid padding yields garbage: that is the password's fault.
  const bags = onMalformed(
    () => readSafeContents(readWhole(plaintext), 0),
    () => rejectedPassword(password),
  );
  charge(budget, bags);
  return bags;
}

/** SafeContents: a SEQUENCE of SafeBags (bagId, [0] EXPLICIT bagValue, bagAttributes); nested SafeContents flattened. */
function readSafeContents(safeContents: DerElement, depth: number): SafeBag[] {
  if (depth > maxSafeContentsDepth) throw new DerError();
  return children(expectTag(safeContents, Tag.sequence)).flatMap((safeBag): SafeBag[] => {
    const [bagId, explicitValue] = children(expectTag(safeBag, Tag.sequence));
    const [value] = children(expectTag(explicitValue, Tag.context0));
    if (!value) throw new DerError();
    switch (oid(bagId)) {
      case oids.keyBag:
        return [{ type: 'key', der: expectTag(value, Tag.sequence).encoded }];
      case oids.pkcs8ShroudedKeyBag: {
        const [algorithm, encrypted] = children(expectTag(value, Tag.sequence));
        const ciphertext = octets(expectTag(encrypted, Tag.octetString));
        return [
          { type: 'shroudedKey', encryption: passwordEncryption(expectTag(algorithm, Tag.sequence)), ciphertext, encryptedKeyInfo: value.encoded },
        ];
      }
      case oids.certBag: {
        const [certId, certValue] = children(expectTag(value, Tag.sequence));
        // SDSI certificates are not X.509; nothing here could use them.
        return [oid(certId) === oids.x509Certificate ? { type: 'certificate', der: explicitOctetString(certValue) } : { type: 'ignored' }];
      }
      case oids.safeContentsBag:
        return readSafeContents(value, depth + 1);
      // CRL and secret bags hold nothing a sign-in needs, but still count as entries.
      default:
        return [{ type: 'ignored' }];
    }
  });
}

function collect(bag: SafeBag, password: PfxPassword, bags: Bags): void {
  switch (bag.type) {
    case 'key':
      bags.keys.push(bag.der);
      return;
    case 'shroudedKey':
      bags.keys.push(decryptKeyBag(bag, password));
      return;
    case 'certificate':
      bags.certificates.push(bag.der);
      return;
    case 'ignored':
      return;
  }
}

/** A shrouded key bag's key: loaded by OpenSSL, or as PKCS#8 DER. */
function decryptKeyBag(bag: Extract<SafeBag, { type: 'shroudedKey' }>, password: PfxPassword): Buffer | KeyObject {
  // OpenSSL turns a non-empty password into the same BMPString the MAC verified; an empty one has two forms.
  if (bag.encryption.nativeKeyBag && !password.empty) {
    try {
      return createPrivateKey({ key: bag.encryptedKeyInfo, format: 'der', type: 'pkcs8', passphrase: password.utf8 });
    } catch {
      // Our own decryption below says why: the password, or a key algorithm Node does not know.
    }
  }
  const plaintext = bag.encryption.decrypt(bag.ciphertext, password);
  return onMalformed(
    () => readWhole(plaintext).encoded,
    () => rejectedPassword(password),
  );
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
  const [keyBag] = keys;
  const key = keyBag ? parsePrivateKey(keyBag) : null;
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

function parsePrivateKey(key: Buffer | KeyObject): KeyObject {
  if (!Buffer.isBuffer(key)) return key;
  try {
    return createPrivateKey({ key, format: 'der', type: 'pkcs8' });
  } catch {
    // Well-formed PKCS#8 that Node cannot load holds a key algorithm it does not know.
    throw new DomainError(ErrorCode.PFX_UNSUPPORTED_ALGORITHM);
  }
}

/** The certificate whose public key is the key's (works for RSA and EC alike; OpenSSL compares them). */
function certificateOfKey(certificates: ParsedCertificate[], key: KeyObject): ParsedCertificate {
  const match = certificates.find(({ x509 }) => x509.checkPrivateKey(key));
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
