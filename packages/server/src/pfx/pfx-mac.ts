import { createHmac, timingSafeEqual } from 'node:crypto';
import { ErrorCode } from '@bam/shared';
import { DomainError } from '../common/domain-error.js';
import { children, expectTag, octets, oid, Tag, type DerElement } from './der-reader.js';
import {
  digestLength,
  iterationCount,
  pkcs12Kdf,
  Pkcs12KeyPurpose,
  rejectedPassword,
  type Digest,
  type PfxPassword,
} from './pfx-key-derivation.js';

const macDigests: Record<string, Digest> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '2.16.840.1.101.3.4.2.5': 'sha512-224',
  '2.16.840.1.101.3.4.2.6': 'sha512-256',
};

/**
 * Checks the file's MAC (RFC 7292 `MacData`) over the AuthenticatedSafe octets and returns the
 * password narrowed to the BMPString encoding that verified, for decrypting the legacy PBEs.
 */
export function verifyMac(macData: DerElement, authenticatedSafe: Buffer, password: PfxPassword): PfxPassword {
  const [digestInfo, saltElement, iterationsElement] = children(expectTag(macData, Tag.sequence));
  const [algorithm, digestElement] = children(expectTag(digestInfo, Tag.sequence));
  // PBMAC1 (OpenSSL 3.4+ `-pbmac1_pbkdf2`) and GOST MACs land here as unknown digests.
  const digest = macDigests[oid(children(expectTag(algorithm, Tag.sequence))[0])];
  if (!digest) throw new DomainError(ErrorCode.PFX_UNSUPPORTED_ALGORITHM);
  const expected = expectTag(digestElement, Tag.octetString).content;
  const salt = octets(expectTag(saltElement, Tag.octetString));
  // `iterations INTEGER DEFAULT 1`.
  const iterations = iterationsElement ? iterationCount(iterationsElement) : 1;

  for (const bmp of password.bmpCandidates) {
    const key = pkcs12Kdf(digest, bmp, salt, Pkcs12KeyPurpose.mac, iterations, digestLength(digest));
    const actual = createHmac(digest, key).update(authenticatedSafe).digest();
    if (actual.length === expected.length && timingSafeEqual(actual, expected)) return { ...password, bmpCandidates: [bmp] };
  }
  throw rejectedPassword(password);
}
