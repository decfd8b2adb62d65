import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { OperatorError, onSettingPath } from '../common/operator-error.js';

const pemCertificates = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * The certificates of `ENTRA_CA_FILE`, as PEM text, trusted besides the system's. Checked at start-up:
 * TLS would ignore a file without a readable certificate, and every Entra call would then fail later.
 */
export async function readEntraCaFile(file: string): Promise<string> {
  const text = await onSettingPath('ENTRA_CA_FILE', file, 'read', readFile(file, 'utf8'));
  const certificates = text.match(pemCertificates) ?? [];
  if (certificates.length === 0) throw new OperatorError('ENTRA_CA_FILE', `${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  certificates.forEach((certificate, index) => {
    try {
      new X509Certificate(certificate);
    } catch (error) {
      throw new OperatorError('ENTRA_CA_FILE', `certificate ${index + 1} in ${file} is not a valid X.509 certificate`, { cause: error });
    }
  });
  return text;
}
