import { ErrorCode } from '@bam/shared';
import { describe, expect, it } from 'vitest';
import { pfxSignInFacts, signInProblem, signInProblems } from './certificate-rules.js';
import { CertificateStoreName } from './certificate.entity.js';

const now = new Date('2027-01-01T00:00:00Z');
const good = pfxSignInFacts(
  { keyAlgorithm: 'RSA', keySize: 2048, notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2028-01-01T00:00:00Z') },
  true,
);

describe('sign-in rules', () => {
  it('find nothing wrong with a current 2048-bit RSA certificate and its key', () => {
    expect(signInProblems(good, now)).toEqual([]);
    expect(signInProblem(good, now)).toBeNull();
  });

  it('list every rule broken, the one an update reports first', () => {
    const facts = { ...good, hasPrivateKey: false, keySize: 1024, notAfter: new Date('2026-06-01T00:00:00Z') };
    expect(signInProblems(facts, now)).toEqual([
      ErrorCode.CERTIFICATE_NO_PRIVATE_KEY,
      ErrorCode.CERTIFICATE_KEY_TOO_SMALL,
      ErrorCode.CERTIFICATE_EXPIRED,
    ]);
    expect(signInProblem(facts, now)).toBe(ErrorCode.CERTIFICATE_NO_PRIVATE_KEY);
  });

  it('judge a key that is not RSA by its algorithm, not by its size', () => {
    expect(signInProblems({ ...good, keyAlgorithm: 'EC', keySize: 256 }, now)).toEqual([ErrorCode.CERTIFICATE_KEY_NOT_RSA]);
  });

  it('treat a PFX certificate as a Personal entry with an exportable key', () => {
    expect(good).toMatchObject({ store: CertificateStoreName.PERSONAL, keyExportable: true, hasPrivateKey: true });
    expect(signInProblems({ ...good, store: CertificateStoreName.ROOT, keyExportable: false }, now)).toEqual([
      ErrorCode.CERTIFICATE_NOT_IN_PERSONAL_STORE,
      ErrorCode.CERTIFICATE_KEY_NOT_EXPORTABLE,
    ]);
  });
});
