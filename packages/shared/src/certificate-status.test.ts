import { describe, expect, it } from 'vitest';
import { CertificateStatus, certificateStatus } from './certificate-status.js';

const now = new Date('2026-11-27T12:00:00Z');
const days = (count: number) => new Date(now.getTime() + count * 24 * 60 * 60 * 1000);

describe('certificateStatus', () => {
  it.each([
    [days(-10), days(31), CertificateStatus.VALID],
    [days(-10), days(30), CertificateStatus.EXPIRING_SOON],
    [days(-10), days(0.001), CertificateStatus.EXPIRING_SOON],
    [days(-10), now, CertificateStatus.EXPIRED],
    [days(-10), days(-1), CertificateStatus.EXPIRED],
    [days(1), days(400), CertificateStatus.NOT_YET_VALID],
  ])('from %s to %s is %s', (notBefore, notAfter, expected) => {
    expect(certificateStatus({ notBefore, notAfter }, now)).toBe(expected);
  });
});
