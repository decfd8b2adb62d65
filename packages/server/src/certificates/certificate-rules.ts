import { ErrorCode } from '@bam/shared';
import { CertificateStoreName } from './certificate.entity.js';

/** Entra signs client assertions with RSA keys; shorter keys are refused. */
export const MIN_RSA_KEY_BITS = 2048;

/** What the sign-in rules look at, for a store entry and for a freshly read PFX alike. */
export interface SignInFacts {
  store: CertificateStoreName;
  hasPrivateKey: boolean;
  keyExportable: boolean;
  keyAlgorithm: string;
  keySize: number;
  notBefore: Date;
  notAfter: Date;
}

/**
 * Why a certificate cannot be set on an application, or null when it can. The first rule that
 * fails decides, in the order an administrator would fix things.
 */
export function signInProblem(facts: SignInFacts, now: Date = new Date()): ErrorCode | null {
  if (facts.store !== CertificateStoreName.PERSONAL) return ErrorCode.CERTIFICATE_NOT_IN_PERSONAL_STORE;
  if (!facts.hasPrivateKey) return ErrorCode.CERTIFICATE_NO_PRIVATE_KEY;
  if (!facts.keyExportable) return ErrorCode.CERTIFICATE_KEY_NOT_EXPORTABLE;
  if (facts.keyAlgorithm !== 'RSA') return ErrorCode.CERTIFICATE_KEY_NOT_RSA;
  if (facts.keySize < MIN_RSA_KEY_BITS) return ErrorCode.CERTIFICATE_KEY_TOO_SMALL;
  if (facts.notAfter.getTime() <= now.getTime()) return ErrorCode.CERTIFICATE_EXPIRED;
  if (facts.notBefore.getTime() > now.getTime()) return ErrorCode.CERTIFICATE_NOT_YET_VALID;
  return null;
}
