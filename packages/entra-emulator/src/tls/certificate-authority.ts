import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import forge from 'node-forge';

/** The emulator's TLS material: its own CA, and a server certificate for localhost signed by it. */
export interface TlsMaterial {
  caCertificatePem: string;
  serverCertificatePem: string;
  serverKeyPem: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const files = { ca: 'ca.pem', caKey: 'ca-key.pem', server: 'server.pem', serverKey: 'server-key.pem' } as const;

/**
 * Loads the CA and server certificate from `dataDir`, creating them on first start (or when the server
 * certificate is about to expire). Without a folder everything lives in memory, as tests want.
 */
export async function loadOrCreateTlsMaterial(dataDir: string | undefined): Promise<TlsMaterial> {
  if (!dataDir) return issueServerCertificate(createCertificateAuthority());
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const stored = await readStored(dataDir);
  if (stored && Date.parse(new X509Certificate(stored.serverCertificatePem).validTo) > Date.now() + DAY_MS) {
    const { caCertificatePem, serverCertificatePem, serverKeyPem } = stored;
    return { caCertificatePem, serverCertificatePem, serverKeyPem };
  }
  const ca = stored ? { certificatePem: stored.caCertificatePem, keyPem: stored.caKeyPem } : createCertificateAuthority();
  const material = issueServerCertificate(ca);
  await writePrivate(join(dataDir, files.caKey), ca.keyPem);
  await writeFile(join(dataDir, files.ca), ca.certificatePem);
  await writePrivate(join(dataDir, files.serverKey), material.serverKeyPem);
  await writeFile(join(dataDir, files.server), material.serverCertificatePem);
  return material;
}

interface CertificateAuthority {
  certificatePem: string;
  keyPem: string;
}

async function readStored(dataDir: string): Promise<(TlsMaterial & { caKeyPem: string }) | undefined> {
  try {
    const [caCertificatePem, caKeyPem, serverCertificatePem, serverKeyPem] = await Promise.all(
      [files.ca, files.caKey, files.server, files.serverKey].map((name) => readFile(join(dataDir, name), 'utf8')),
    );
    return { caCertificatePem: caCertificatePem!, caKeyPem: caKeyPem!, serverCertificatePem: serverCertificatePem!, serverKeyPem: serverKeyPem! };
  } catch {
    return undefined;
  }
}

async function writePrivate(path: string, pem: string): Promise<void> {
  await writeFile(path, pem, { mode: 0o600 });
  await chmod(path, 0o600);
}

/** RSA keys come from Node's crypto: node-forge generates them in slow pure JavaScript. */
function rsaKeyPair(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; keyPem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), keyPem };
}

function serialNumber(): string {
  // Positive 16-byte serial: clear the top bit so DER does not read it as negative.
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

function createCertificateAuthority(): CertificateAuthority {
  const keys = rsaKeyPair();
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = keys.publicKey;
  certificate.serialNumber = serialNumber();
  certificate.validity.notBefore = new Date(Date.now() - DAY_MS);
  certificate.validity.notAfter = new Date(Date.now() + 10 * 365 * DAY_MS);
  const name = [
    { name: 'commonName', value: 'Entra Emulator Local CA' },
    { name: 'organizationName', value: 'Backup Applications Manager (development)' },
  ];
  certificate.setSubject(name);
  certificate.setIssuer(name);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true, pathLenConstraint: 0 },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  certificate.sign(keys.privateKey, forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(certificate), keyPem: keys.keyPem };
}

function issueServerCertificate(ca: CertificateAuthority): TlsMaterial {
  const caCertificate = forge.pki.certificateFromPem(ca.certificatePem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const keys = rsaKeyPair();
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = keys.publicKey;
  certificate.serialNumber = serialNumber();
  certificate.validity.notBefore = new Date(Date.now() - DAY_MS);
  certificate.validity.notAfter = new Date(Date.now() + 397 * DAY_MS);
  certificate.setSubject([{ name: 'commonName', value: 'localhost' }]);
  certificate.setIssuer(caCertificate.subject.attributes);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
      ],
    },
  ]);
  certificate.sign(caKey, forge.md.sha256.create());
  return { caCertificatePem: ca.certificatePem, serverCertificatePem: forge.pki.certificateToPem(certificate), serverKeyPem: keys.keyPem };
}
