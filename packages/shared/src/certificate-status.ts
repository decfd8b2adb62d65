/** A certificate whose expiry is this close counts as expiring soon. */
export const EXPIRING_SOON_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Where a certificate stands in its validity period, as the console and the API show it. */
export const CertificateStatus = {
  VALID: 'VALID',
  EXPIRING_SOON: 'EXPIRING_SOON',
  EXPIRED: 'EXPIRED',
  NOT_YET_VALID: 'NOT_YET_VALID',
} as const;

export type CertificateStatus = (typeof CertificateStatus)[keyof typeof CertificateStatus];

export function certificateStatus(validity: { notBefore: Date; notAfter: Date }, now: Date = new Date()): CertificateStatus {
  if (validity.notAfter.getTime() <= now.getTime()) return CertificateStatus.EXPIRED;
  if (validity.notBefore.getTime() > now.getTime()) return CertificateStatus.NOT_YET_VALID;
  if (validity.notAfter.getTime() - now.getTime() <= EXPIRING_SOON_DAYS * DAY_MS) return CertificateStatus.EXPIRING_SOON;
  return CertificateStatus.VALID;
}
