import type { ExpiryNotice } from '../events/certificate-events.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The notice level of an expired certificate; warning levels are their threshold in days. A smaller level is more urgent. */
export const EXPIRED_LEVEL = 0;

/** A certificate, and who uses it: the applications of one organization, or (organizationId null) nobody. */
export type CertificateUsage = Pick<ExpiryNotice, 'certificate' | 'organizationId' | 'applications' | 'managementApplicationId'>;

/** A notice already raised, as `certificate_expiry_notices` keeps it. */
export interface RaisedNotice {
  certificateId: string;
  organizationId: string | null;
  level: number;
}

/**
 * The most urgent level a certificate has reached at `now`: expired once `notAfter` has passed, else
 * the smallest warning threshold (in days) it is within; null when it is within none.
 */
export function reachedLevel(notAfter: Date, now: Date, warningDays: readonly number[]): number | null {
  const left = notAfter.getTime() - now.getTime();
  if (left <= 0) return EXPIRED_LEVEL;
  const within = warningDays.filter((days) => left <= days * DAY_MS);
  return within.length ? Math.min(...within) : null;
}

/**
 * The notices a check at `now` raises. Each certificate and organization gets the most urgent level
 * it has reached, unless that level or a more urgent one was raised already: a certificate first seen
 * with 5 days left (thresholds 30, 7, 1) raises the 7-day warning only, and the 30-day one never.
 * Usages list the applications using each certificate now, so an application that moved to another
 * certificate is no longer warned about its old one.
 */
export function dueNotices(
  usages: readonly CertificateUsage[],
  raised: readonly RaisedNotice[],
  now: Date,
  warningDays: readonly number[],
): (ExpiryNotice & { level: number })[] {
  const mostUrgentRaised = new Map<string, number>();
  for (const notice of raised) {
    const key = usageKey(notice.certificateId, notice.organizationId);
    mostUrgentRaised.set(key, Math.min(notice.level, mostUrgentRaised.get(key) ?? Infinity));
  }
  return usages.flatMap((usage) => {
    const level = reachedLevel(usage.certificate.notAfter, now, warningDays);
    if (level === null || level >= (mostUrgentRaised.get(usageKey(usage.certificate.id, usage.organizationId)) ?? Infinity)) return [];
    return [
      {
        ...usage,
        level,
        thresholdDays: level === EXPIRED_LEVEL ? null : level,
        daysLeft: Math.max(0, Math.floor((usage.certificate.notAfter.getTime() - now.getTime()) / DAY_MS)),
      },
    ];
  });
}

function usageKey(certificateId: string, organizationId: string | null): string {
  return `${certificateId}/${organizationId ?? ''}`;
}
