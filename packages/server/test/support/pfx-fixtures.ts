/**
 * Real PKCS#12 (PFX) files for tests, made at run time by the `openssl` command line and by
 * node-forge, the way users' tools make them; nothing binary is committed. Unit, HTTP and browser
 * tests share these.
 *
 * Keys are generated natively and cached per process, so a test run pays for only a few.
 */
import { execFileSync } from 'node:child_process';
import {
  createCipheriv,
  createHash,
  createPublicKey,
  generateKeyPairSync,
  pbkdf2Sync,
  randomBytes,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';

/** A certificate and the private key of its subject. */
export interface TestCertificate {
  der: Buffer;
  pem: string;
  /** SHA-1 thumbprint, uppercase hex without separators, as Windows and Entra show it. */
  thumbprint: string;
  key: KeyObject;
}

/** A PFX file and what a reader should find in it. */
export interface PfxFixture {
  file: Buffer;
  /** The password the file was written with ('' for none). */
  password: string;
  /** Thumbprint of the certificate the key belongs to (the leaf). */
  thumbprint: string;
  /** Thumbprints of the other certificates, in the order they were given. */
  chainThumbprints: string[];
}

const day = 24 * 60 * 60 * 1000;

/** A date `days` from now (negative: in the past). */
export function daysFromNow(days: number): Date {
  return new Date(Date.now() + days * day);
}

/** Thumbprint of a DER certificate, in the form {@link TestCertificate.thumbprint} has. */
export function thumbprintOf(der: Buffer): string {
  return new X509Certificate(der).fingerprint.replaceAll(':', '');
}

// ---------------------------------------------------------------------------------------------
// Keys and certificates

const rsaKeys = new Map<string, KeyObject>();

/** An RSA private key, the same one for each (bits, slot) within a process; slots give distinct keys. */
export function rsaKey(bits = 2048, slot = 0): KeyObject {
  const id = `${bits}/${slot}`;
  let key = rsaKeys.get(id);
  if (!key) {
    key = generateKeyPairSync('rsa', { modulusLength: bits }).privateKey;
    rsaKeys.set(id, key);
  }
  return key;
}

let p256Key: KeyObject | undefined;

/** An EC P-256 private key, cached per process. */
export function ecKey(): KeyObject {
  p256Key ??= generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  return p256Key;
}

export interface RsaCertificateOptions {
  commonName?: string;
  /** Key size when no `key` is given; the key comes from {@link rsaKey}. */
  keyBits?: number;
  /** The subject's key; default `rsaKey(keyBits)`. */
  key?: KeyObject;
  /** Default: yesterday. Any date works, past or future. */
  notBefore?: Date;
  /** Default: a year from now. */
  notAfter?: Date;
  /** The CA that signs it; default self-signed. */
  issuer?: TestCertificate;
  /** Makes it a CA certificate, able to issue others. */
  ca?: boolean;
}

/**
 * An RSA certificate built with node-forge, which (unlike `openssl req -x509 -days` in OpenSSL 3.0)
 * can set validity dates in the past, e.g. for expired certificates.
 */
export function rsaCertificate(options: RsaCertificateOptions = {}): TestCertificate {
  const key = options.key ?? rsaKey(options.keyBits ?? 2048);
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString());
  // Positive serial: the leading 01 keeps the DER integer from turning negative.
  certificate.serialNumber = `01${randomBytes(15).toString('hex')}`;
  certificate.validity.notBefore = options.notBefore ?? daysFromNow(-1);
  certificate.validity.notAfter = options.notAfter ?? daysFromNow(365);
  const subject = [{ shortName: 'CN', value: options.commonName ?? 'BAM Test Backup' }];
  certificate.setSubject(subject);
  certificate.setIssuer(options.issuer ? forge.pki.certificateFromPem(options.issuer.pem).subject.attributes : subject);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: options.ca ?? false },
    options.ca ? { name: 'keyUsage', keyCertSign: true, cRLSign: true } : { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  const signingKey = options.issuer?.key ?? key;
  certificate.sign(forgeKey(signingKey), forge.md.sha256.create());
  return testCertificate(derOf(forge.pki.certificateToAsn1(certificate)), key);
}

/** A self-signed EC (P-256) certificate, made by `openssl req` since node-forge only knows RSA. */
export function ecCertificate(commonName = 'BAM Test EC'): TestCertificate {
  const key = ecKey();
  return withTempDir((dir) => {
    writeFileSync(join(dir, 'key.pem'), key.export({ type: 'pkcs8', format: 'pem' }));
    openssl(['req', '-x509', '-new', '-key', 'key.pem', '-subj', `/CN=${commonName}`, '-days', '365', '-outform', 'DER', '-out', 'cert.der'], dir);
    return testCertificate(readFileSync(join(dir, 'cert.der')), key);
  });
}

/**
 * A self-signed RSA certificate made by `openssl req -utf8`: its subject attributes are UTF8Strings, as
 * OpenSSL writes names outside ASCII. `subject` in OpenSSL's form, e.g. `/O=Zürich AG/CN=Резервная копия`.
 */
export function opensslUtf8Certificate(subject: string): TestCertificate {
  const key = rsaKey(2048, 5);
  return withTempDir((dir) => {
    writeFileSync(join(dir, 'key.pem'), key.export({ type: 'pkcs8', format: 'pem' }));
    openssl(['req', '-x509', '-new', '-utf8', '-key', 'key.pem', '-subj', subject, '-days', '365', '-outform', 'DER', '-out', 'cert.der'], dir);
    return testCertificate(readFileSync(join(dir, 'cert.der')), key);
  });
}

/** Root CA → intermediate CA → leaf, each with its own RSA key. */
export function certificateChain(): { root: TestCertificate; intermediate: TestCertificate; leaf: TestCertificate } {
  const root = rsaCertificate({ commonName: 'BAM Test Root CA', key: rsaKey(2048, 1), ca: true });
  const intermediate = rsaCertificate({ commonName: 'BAM Test Intermediate CA', key: rsaKey(2048, 2), ca: true, issuer: root });
  const leaf = rsaCertificate({ commonName: 'BAM Test Leaf', issuer: intermediate });
  return { root, intermediate, leaf };
}

function testCertificate(der: Buffer, key: KeyObject): TestCertificate {
  const x509 = new X509Certificate(der);
  return { der, pem: x509.toString(), thumbprint: thumbprintOf(der), key };
}

// ---------------------------------------------------------------------------------------------
// PFX files

export interface OpensslPfxOptions {
  /** Default: a fresh 2048-bit RSA certificate. */
  certificate?: TestCertificate;
  /** Further certificates to include (`-certfile`), e.g. intermediate and root. */
  chain?: TestCertificate[];
  /** Default 'Test-Password-1'; '' writes a file with an empty password. */
  password?: string;
  /** `-legacy`: RC2-40 for certificates, 3DES for the key, SHA-1 MAC, as OpenSSL 1.1 did. */
  legacy?: boolean;
  /** `-iter`: iterations for key derivation and the MAC (OpenSSL's default is 2048). */
  iterations?: number;
  /** `-nokeys`: certificates only. */
  noKey?: boolean;
  /** `-keypbe NONE -certpbe NONE -nomac`: nothing encrypted, no MAC. */
  noEncryption?: boolean;
  /** `-nomac`: encrypted, but only decryption can tell a wrong password. */
  noMac?: boolean;
  /** `-keypbe`, e.g. 'PBE-SHA1-2DES', 'AES-128-CBC'. */
  keyPbe?: string;
  /** `-certpbe`, e.g. 'PBE-SHA1-RC2-128' (needs `legacy`). */
  certPbe?: string;
  /** `-macalg`, e.g. 'sha512'. */
  macAlgorithm?: string;
}

/**
 * A PFX written by `openssl pkcs12 -export`. With no options: OpenSSL 3's default, PBES2 (PBKDF2
 * with HMAC-SHA256, AES-256-CBC) and a SHA-256 MAC. The password reaches openssl through the
 * environment, never its command line.
 */
export function opensslPfx(options: OpensslPfxOptions = {}): PfxFixture {
  const certificate = options.certificate ?? rsaCertificate();
  const chain = options.chain ?? [];
  const password = options.password ?? 'Test-Password-1';
  const file = withTempDir((dir) => {
    writeFileSync(join(dir, 'cert.pem'), certificate.pem);
    const args = ['pkcs12', '-export', '-in', 'cert.pem', '-passout', 'env:PFX_PASSWORD', '-out', 'out.pfx'];
    if (options.noKey) args.push('-nokeys');
    else {
      writeFileSync(join(dir, 'key.pem'), certificate.key.export({ type: 'pkcs8', format: 'pem' }));
      args.push('-inkey', 'key.pem');
    }
    if (chain.length > 0) {
      writeFileSync(join(dir, 'chain.pem'), chain.map(({ pem }) => pem).join(''));
      args.push('-certfile', 'chain.pem');
    }
    if (options.legacy) args.push('-legacy');
    if (options.iterations !== undefined) args.push('-iter', String(options.iterations));
    if (options.noEncryption) args.push('-keypbe', 'NONE', '-certpbe', 'NONE', '-nomac');
    if (options.noMac) args.push('-nomac');
    if (options.keyPbe) args.push('-keypbe', options.keyPbe);
    if (options.certPbe) args.push('-certpbe', options.certPbe);
    if (options.macAlgorithm) args.push('-macalg', options.macAlgorithm);
    openssl(args, dir, { PFX_PASSWORD: password });
    return readFileSync(join(dir, 'out.pfx'));
  });
  return fixture(file, password, certificate, chain);
}

export interface ForgePfxOptions {
  /** Default: a fresh 2048-bit RSA certificate. */
  certificate?: TestCertificate;
  chain?: TestCertificate[];
  /**
   * Default 'Test-Password-1'. null writes the key unencrypted and a MAC keyed with no password
   * bytes at all (not even the BMPString terminator); read such a file with ''. Keep it ASCII:
   * forge does not UTF-8-encode the password for PBKDF2 as OpenSSL does.
   */
  password?: string | null;
  /** Key encryption: '3des' (pbeWithSHAAnd3-KeyTripleDES-CBC) or PBES2 with AES (PBKDF2-HMAC-SHA1). Default '3des'. */
  algorithm?: '3des' | 'aes128' | 'aes192' | 'aes256';
  /** Iterations for key derivation and the MAC (default 2048). */
  iterations?: number;
  /** Include a SHA-1 MAC (default true). */
  mac?: boolean;
  /** Certificates only. */
  noKey?: boolean;
  /** Pair the certificate with a key that is not its own. */
  keyMismatch?: boolean;
  /** Two key bags: the certificate's key and another. Written without a MAC (two forge files spliced). */
  multipleKeys?: boolean;
}

/**
 * A PFX written by node-forge (`forge.pkcs12.toPkcs12Asn1`): certificates unencrypted, the key in a
 * shrouded key bag. RSA only, since forge cannot handle EC keys.
 */
export function forgePfx(options: ForgePfxOptions = {}): PfxFixture {
  const certificate = options.certificate ?? rsaCertificate();
  const chain = options.chain ?? [];
  const password = options.password === undefined ? 'Test-Password-1' : options.password;
  const otherKey = rsaKey(2048, 3);
  const key = options.noKey ? null : options.keyMismatch ? otherKey : certificate.key;
  const pkcs12Options = { algorithm: options.algorithm ?? '3des', count: options.iterations ?? 2048, useMac: options.mac ?? true };
  const certificates = [certificate, ...chain].map(({ pem }) => forge.pki.certificateFromPem(pem));

  if (!options.multipleKeys) {
    const pfx = forge.pkcs12.toPkcs12Asn1(key && forgeKey(key), certificates, password, pkcs12Options);
    return fixture(derOf(pfx), password ?? '', certificate, chain);
  }
  // forge writes one key per file: splice the AuthenticatedSafe entries of two files into one.
  const unmacked = { ...pkcs12Options, useMac: false };
  const first = forge.pkcs12.toPkcs12Asn1(key && forgeKey(key), certificates, password, unmacked);
  const second = forge.pkcs12.toPkcs12Asn1(forgeKey(otherKey), [], password, { ...unmacked, generateLocalKeyId: false });
  const spliced = pfxWithoutMac([...contentInfos(first), ...contentInfos(second)]);
  return fixture(derOf(spliced), password ?? '', certificate, chain);
}

/** An EC (P-256) key and certificate, by openssl. */
export function ecPfx(options: Omit<OpensslPfxOptions, 'certificate'> = {}): PfxFixture {
  return opensslPfx({ ...options, certificate: ecCertificate() });
}

/** A 1024-bit RSA key and certificate, by openssl. */
export function rsa1024Pfx(options: Omit<OpensslPfxOptions, 'certificate'> = {}): PfxFixture {
  return opensslPfx({ ...options, certificate: rsaCertificate({ keyBits: 1024 }) });
}

/** A certificate that expired yesterday (valid for the year before), by openssl. */
export function expiredPfx(options: Omit<OpensslPfxOptions, 'certificate'> = {}): PfxFixture {
  return opensslPfx({ ...options, certificate: rsaCertificate({ notBefore: daysFromNow(-366), notAfter: daysFromNow(-1) }) });
}

/** A certificate valid from tomorrow, by openssl. */
export function notYetValidPfx(options: Omit<OpensslPfxOptions, 'certificate'> = {}): PfxFixture {
  return opensslPfx({ ...options, certificate: rsaCertificate({ notBefore: daysFromNow(1), notAfter: daysFromNow(366) }) });
}

/** Leaf with its key, plus intermediate and root CA certificates (in that order), by openssl. */
export function chainPfx(options: Omit<OpensslPfxOptions, 'certificate' | 'chain'> = {}): PfxFixture {
  const { root, intermediate, leaf } = certificateChain();
  return opensslPfx({ ...options, certificate: leaf, chain: [intermediate, root] });
}

/** A private key and no certificate (`openssl pkcs12 -export -nocerts`). */
export function keyOnlyPfx(password = 'Test-Password-1'): Pick<PfxFixture, 'file' | 'password'> {
  const file = withTempDir((dir) => {
    writeFileSync(join(dir, 'key.pem'), rsaKey().export({ type: 'pkcs8', format: 'pem' }));
    openssl(['pkcs12', '-export', '-nocerts', '-inkey', 'key.pem', '-passout', 'env:PFX_PASSWORD', '-out', 'out.pfx'], dir, {
      PFX_PASSWORD: password,
    });
    return readFileSync(join(dir, 'out.pfx'));
  });
  return { file, password };
}

/**
 * The same PFX in BER, as some Java and older Windows versions write it: indefinite lengths, and the
 * AuthenticatedSafe as a constructed OCTET STRING in two pieces. The MAC still verifies: it covers
 * the octets, not how they are encoded.
 */
export function berPfx(pfx: PfxFixture): PfxFixture {
  const [version, authSafe, macData] = forge.asn1.fromDer(pfx.file.toString('binary')).value as forge.asn1.Asn1[];
  const [contentType, explicit] = authSafe!.value as forge.asn1.Asn1[];
  const [octetString] = explicit!.value as forge.asn1.Asn1[];
  const octets = Buffer.from(octetString!.value as string, 'binary');
  const middle = Math.floor(octets.length / 2);
  const pieces = [octets.subarray(0, middle), octets.subarray(middle)].map((piece) =>
    derOf(forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.OCTETSTRING, false, piece.toString('binary'))),
  );
  const ber = indefinite(0x30, [
    derOf(version!),
    indefinite(0x30, [derOf(contentType!), indefinite(0xa0, [indefinite(0x24, pieces)])]),
    ...(macData ? [derOf(macData)] : []),
  ]);
  return { ...pfx, file: ber };
}

/** A constructed element with an indefinite length: identifier, 0x80, contents, end-of-contents. */
function indefinite(tag: number, contents: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from([tag, 0x80]), ...contents, Buffer.alloc(2)]);
}

/**
 * A PFX that asks for `entries × iterations` rounds of key derivation, as a hostile upload does: no
 * MAC, the certificate in the clear and `entries` further entries each encrypted at `iterations`
 * (PBES2: PBKDF2-HMAC-SHA256, AES-256-CBC; one salt, so building it derives once). Every entry
 * decrypts with the password: a reader that does all the work ends up with the certificate.
 * `inKeyBags` hides the entries as shrouded key bags inside one cheaply encrypted SafeContents,
 * where a reader sees them only after decrypting it.
 */
export function costlyPfx(options: { entries: number; iterations: number; inKeyBags?: boolean }): PfxFixture {
  const certificate = rsaCertificate();
  const password = 'Test-Password-1';
  const { asn1 } = forge;
  const { UNIVERSAL, CONTEXT_SPECIFIC } = asn1.Class;
  const sequence = (...items: forge.asn1.Asn1[]) => asn1.create(UNIVERSAL, asn1.Type.SEQUENCE, true, items);
  const oid = (dotted: string) => asn1.create(UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(dotted).getBytes());
  const integer = (value: number) => asn1.create(UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(value).getBytes());
  const octetString = (bytes: Buffer) => asn1.create(UNIVERSAL, asn1.Type.OCTETSTRING, false, bytes.toString('binary'));
  const explicit = (item: forge.asn1.Asn1) => asn1.create(CONTEXT_SPECIFIC, 0, true, [item]);

  const salt = Buffer.alloc(16, 7);
  const iv = Buffer.alloc(16, 9);
  const encryption = (iterations: number) => {
    const key = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
    const algorithm = sequence(
      oid('1.2.840.113549.1.5.13'),
      sequence(
        sequence(oid('1.2.840.113549.1.5.12'), sequence(octetString(salt), integer(iterations), sequence(oid('1.2.840.113549.2.9')))),
        sequence(oid('2.16.840.1.101.3.4.1.42'), octetString(iv)),
      ),
    );
    const encrypt = (plaintext: Buffer) => {
      const cipher = createCipheriv('aes-256-cbc', key, iv);
      return Buffer.concat([cipher.update(plaintext), cipher.final()]);
    };
    return { algorithm, encrypt };
  };
  const encryptedContentInfo = (plaintext: Buffer, { algorithm, encrypt }: ReturnType<typeof encryption>) => {
    const ciphertext = asn1.create(CONTEXT_SPECIFIC, 0, false, encrypt(plaintext).toString('binary'));
    return sequence(oid('1.2.840.113549.1.7.6'), explicit(sequence(integer(0), sequence(oid('1.2.840.113549.1.7.1'), algorithm, ciphertext))));
  };

  const certBag = sequence(
    oid('1.2.840.113549.1.12.10.1.3'),
    explicit(sequence(oid('1.2.840.113549.1.9.22.1'), explicit(octetString(certificate.der)))),
  );
  const inTheClear = sequence(oid('1.2.840.113549.1.7.1'), explicit(octetString(derOf(sequence(certBag)))));
  let entries: forge.asn1.Asn1[];
  if (options.inKeyBags) {
    const { algorithm, encrypt } = encryption(options.iterations);
    const shroudedKey = encrypt(certificate.key.export({ type: 'pkcs8', format: 'der' }));
    const keyBag = () => sequence(oid('1.2.840.113549.1.12.10.1.2'), explicit(sequence(algorithm, octetString(shroudedKey))));
    const keyBags = Array.from({ length: options.entries }, keyBag);
    entries = [encryptedContentInfo(derOf(sequence(...keyBags)), encryption(2048))];
  } else {
    const emptySafeContents = derOf(sequence());
    const costly = encryption(options.iterations);
    entries = Array.from({ length: options.entries }, () => encryptedContentInfo(emptySafeContents, costly));
  }
  return fixture(derOf(pfxWithoutMac([inTheClear, ...entries])), password, certificate, []);
}

// ---------------------------------------------------------------------------------------------
// Files that are not PFX files

export function emptyFile(): Buffer {
  return Buffer.alloc(0);
}

/** Bytes that are not any encoding at all; the same bytes every run. */
export function randomBytesFile(length = 2048): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * 32 < length; counter++) blocks.push(createHash('sha256').update(`bam-junk-${counter}`).digest());
  return Buffer.concat(blocks).subarray(0, length);
}

/** The first `fraction` of a file, as a cut-off download or copy leaves it. */
export function truncatedFile(file: Buffer, fraction = 0.5): Buffer {
  return Buffer.from(file.subarray(0, Math.floor(file.length * fraction)));
}

/** Certificate and key as PEM text, as users export them by mistake; optionally with a UTF-8 byte-order mark. */
export function pemFile(options: { certificate?: TestCertificate; byteOrderMark?: boolean } = {}): Buffer {
  const certificate = options.certificate ?? rsaCertificate();
  const text = certificate.pem + certificate.key.export({ type: 'pkcs8', format: 'pem' }).toString();
  return Buffer.from(`${options.byteOrderMark ? '\uFEFF' : ''}${text}`, 'utf8');
}

// ---------------------------------------------------------------------------------------------

function fixture(file: Buffer, password: string, certificate: TestCertificate, chain: TestCertificate[]): PfxFixture {
  return { file, password, thumbprint: certificate.thumbprint, chainThumbprints: chain.map(({ thumbprint }) => thumbprint) };
}

/** The ContentInfos of a forge PFX's AuthenticatedSafe (PFX → ContentInfo → [0] → OCTET STRING). */
function contentInfos(pfx: forge.asn1.Asn1): forge.asn1.Asn1[] {
  const [, authSafe] = pfx.value as forge.asn1.Asn1[];
  const [, explicit] = authSafe!.value as forge.asn1.Asn1[];
  const [octetString] = explicit!.value as forge.asn1.Asn1[];
  return forge.asn1.fromDer(octetString!.value as string).value as forge.asn1.Asn1[];
}

function pfxWithoutMac(contentInfos: forge.asn1.Asn1[]): forge.asn1.Asn1 {
  const { asn1 } = forge;
  const { UNIVERSAL, CONTEXT_SPECIFIC } = asn1.Class;
  const authenticatedSafe = asn1.toDer(asn1.create(UNIVERSAL, asn1.Type.SEQUENCE, true, contentInfos)).getBytes();
  return asn1.create(UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(3).getBytes()),
    asn1.create(UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(forge.pki.oids.data!).getBytes()),
      asn1.create(CONTEXT_SPECIFIC, 0, true, [asn1.create(UNIVERSAL, asn1.Type.OCTETSTRING, false, authenticatedSafe)]),
    ]),
  ]);
}

function derOf(asn1: forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

function forgeKey(key: KeyObject): forge.pki.rsa.PrivateKey {
  return forge.pki.privateKeyFromPem(key.export({ type: 'pkcs1', format: 'pem' }).toString()) as forge.pki.rsa.PrivateKey;
}

function openssl(args: string[], cwd: string, env: Record<string, string> = {}): void {
  execFileSync('openssl', args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
}

function withTempDir<T>(work: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'bam-pfx-'));
  try {
    return work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
