import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { ErrorCode } from '@bam/shared';
import type { EntityManager } from 'typeorm';
import { Certificate } from '../certificates/certificate.entity.js';
import { DomainError } from '../common/domain-error.js';
import { isUuid } from '../common/uuid.js';
import type { PrivateKeyVault } from './private-key-vault.js';

/** A certificate's public part, as Entra registers it in `keyCredentials`. */
export interface PublicCertificate {
  /** SHA-1 thumbprint, upper-case hex: Entra's `customKeyIdentifier`. */
  thumbprint: string;
  /** base64 DER: a keyCredential's `key`. */
  derBase64: string;
  certificatePem: string;
  notBefore: Date;
  notAfter: Date;
}

/**
 * A store certificate with its private key opened for signing (client assertions, addKey proofs).
 * `@azure/identity` takes the key as a PEM string, which JavaScript cannot wipe: the decrypted DER is
 * wiped at once, and the object lives only for the Entra calls that need it.
 */
export interface SigningCertificate extends PublicCertificate {
  privateKeyPem: string;
}

export function publicCertificate(der: Buffer): PublicCertificate {
  const x509 = new X509Certificate(der);
  return {
    thumbprint: createHash('sha1').update(der).digest('hex').toUpperCase(),
    derBase64: der.toString('base64'),
    certificatePem: x509.toString(),
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
  };
}

/** A certificate with its PKCS#8 DER private key in hand (a PFX file's, not yet in the store), ready for signing. */
export function signingCertificate(der: Buffer, privateKeyDer: Buffer): SigningCertificate {
  const privateKeyPem = createPrivateKey({ key: privateKeyDer, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString();
  return { ...publicCertificate(der), privateKeyPem };
}

/**
 * Opens a store certificate's sealed private key for signing. Fails with STORE_CERTIFICATE_NOT_FOUND
 * when there is no such certificate, CERTIFICATE_NO_PRIVATE_KEY when the server holds no key for it.
 */
export async function openSigningCertificate(manager: EntityManager, vault: PrivateKeyVault, certificateId: string): Promise<SigningCertificate> {
  const row = isUuid(certificateId)
    ? await manager
        .getRepository(Certificate)
        .createQueryBuilder('certificate')
        .addSelect('certificate.privateKeyCiphertext')
        .where('certificate.id = :id', { id: certificateId })
        .getOne()
    : null;
  if (!row) throw new DomainError(ErrorCode.STORE_CERTIFICATE_NOT_FOUND, [certificateId]);
  if (!row.privateKeyCiphertext || !row.privateKeyMasterKeyId) throw new DomainError(ErrorCode.CERTIFICATE_NO_PRIVATE_KEY, [certificateId]);
  const keyDer = vault.open({ ciphertext: row.privateKeyCiphertext, masterKeyId: row.privateKeyMasterKeyId }, row.thumbprint);
  try {
    return signingCertificate(row.der, keyDer);
  } finally {
    keyDer.fill(0);
    row.privateKeyCiphertext.fill(0);
  }
}
