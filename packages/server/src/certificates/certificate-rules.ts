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
  return signInProblems(facts, now)[0] ?? null;
}

/** Every sign-in rule the certificate breaks, in the order of {@link signInProblem}: the first is the one an update reports. */
export function signInProblems(facts: SignInFacts, now: Date = new Date()): ErrorCode[] {
  const problems: ErrorCode[] = [];
  if (facts.store !== CertificateStoreName.PERSONAL) problems.push(ErrorCode.CERTIFICATE_NOT_IN_PERSONAL_STORE);
  if (!facts.hasPrivateKey) problems.push(ErrorCode.CERTIFICATE_NO_PRIVATE_KEY);
  if (!facts.keyExportable) problems.push(ErrorCode.CERTIFICATE_KEY_NOT_EXPORTABLE);
  if (facts.keyAlgorithm !== 'RSA') problems.push(ErrorCode.CERTIFICATE_KEY_NOT_RSA);
  else if (facts.keySize < MIN_RSA_KEY_BITS) problems.push(ErrorCode.CERTIFICATE_KEY_TOO_SMALL);
  if (facts.notAfter.getTime() <= now.getTime()) problems.push(ErrorCode.CERTIFICATE_EXPIRED);
  else if (facts.notBefore.getTime() > now.getTime()) problems.push(ErrorCode.CERTIFICATE_NOT_YET_VALID);
  return problems;
}

/** A certificate read from a PFX file as the rules see it: it would join the Personal store with an exportable key. */
export function pfxSignInFacts(certificate: Omit<SignInFacts, 'store' | 'hasPrivateKey' | 'keyExportable'>, hasPrivateKey: boolean): SignInFacts {
  return { ...certificate, store: CertificateStoreName.PERSONAL, hasPrivateKey, keyExportable: true };
}
