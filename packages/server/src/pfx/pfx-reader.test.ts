import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { ErrorCode } from '@bam/shared';
import { describe, expect, it } from 'vitest';
import {
  berPfx,
  certificateChain,
  chainPfx,
  costlyPfx,
  ecPfx,
  emptyFile,
  expiredPfx,
  forgePfx,
  keyOnlyPfx,
  notYetValidPfx,
  opensslPfx,
  pemFile,
  randomBytesFile,
  rsa1024Pfx,
  rsaCertificate,
  thumbprintOf,
  truncatedFile,
  type PfxFixture,
} from '../../test/support/pfx-fixtures.js';
import { DomainError } from '../common/domain-error.js';
import { maxIterations } from './pfx-key-derivation.js';
import { readPfx, type PfxContents } from './pfx-reader.js';

const unicodePassword = 'pässwörd-密码';

/** Reads the fixture with its own password and checks what the reader returns against it. */
function readsAsExpected(fixture: PfxFixture, password = fixture.password): PfxContents {
  const contents = readPfx(fixture.file, password);
  expect(new X509Certificate(contents.certificate).fingerprint.replaceAll(':', '')).toBe(fixture.thumbprint);
  expect(contents.chain.map(thumbprintOf)).toEqual(fixture.chainThumbprints);
  expect(contents.privateKey).not.toBeNull();
  expect(publicKeyOf(contents.privateKey!)).toEqual(new X509Certificate(contents.certificate).publicKey.export({ type: 'spki', format: 'der' }));
  return contents;
}

function publicKeyOf(pkcs8: Buffer): Buffer {
  return createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' });
}

function errorCodeOf(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return (error as DomainError).code;
  }
  throw new Error('expected the read to fail');
}

describe('readPfx: files made by openssl', () => {
  it('reads the OpenSSL 3 default (PBES2: PBKDF2-HMAC-SHA256, AES-256-CBC; SHA-256 MAC)', () => {
    readsAsExpected(opensslPfx());
  });

  it('reads -legacy files (RC2-40 certificates, 3DES key, SHA-1 MAC)', () => {
    readsAsExpected(opensslPfx({ legacy: true }));
  });

  it('reads other PKCS#12 PBEs, PBES2 ciphers and MAC digests', () => {
    readsAsExpected(opensslPfx({ keyPbe: 'PBE-SHA1-2DES', certPbe: 'PBE-SHA1-3DES', macAlgorithm: 'sha1' }));
    readsAsExpected(opensslPfx({ legacy: true, certPbe: 'PBE-SHA1-RC2-128' }));
    readsAsExpected(opensslPfx({ keyPbe: 'AES-128-CBC', certPbe: 'AES-192-CBC', macAlgorithm: 'sha512' }));
    readsAsExpected(opensslPfx({ keyPbe: 'DES-EDE3-CBC', macAlgorithm: 'sha384' }));
  });

  it('reads files with an empty password, modern and legacy', () => {
    readsAsExpected(opensslPfx({ password: '' }));
    readsAsExpected(opensslPfx({ password: '', legacy: true }));
  });

  it('reads files with no encryption and no MAC, whatever password is given', () => {
    const fixture = opensslPfx({ noEncryption: true });
    readsAsExpected(fixture, '');
    readsAsExpected(fixture, 'anything');
  });

  it('reads a chain: the key’s certificate first, then intermediate and root in file order', () => {
    const contents = readsAsExpected(chainPfx());
    expect(contents.chain).toHaveLength(2);
  });

  // CPU-bound (openssl writes the files, the reader derives 1.2 million iterations): generous on a loaded machine.
  it('reads high iteration counts natively', { timeout: 60_000 }, () => {
    readsAsExpected(opensslPfx({ iterations: 200_000 }));
    readsAsExpected(opensslPfx({ iterations: 200_000, legacy: true }));
  });

  it('reads non-ASCII passwords: UTF-8 for PBKDF2, BMPString for the MAC and legacy PBEs', () => {
    readsAsExpected(opensslPfx({ password: unicodePassword }));
    readsAsExpected(opensslPfx({ password: unicodePassword, legacy: true }));
  });

  it('returns an EC key as PKCS#8, leaving the RSA rule to the caller', () => {
    const contents = readsAsExpected(ecPfx());
    expect(createPrivateKey({ key: contents.privateKey!, format: 'der', type: 'pkcs8' }).asymmetricKeyType).toBe('ec');
  });

  it('leaves key size and validity dates to the caller', () => {
    readsAsExpected(rsa1024Pfx());
    readsAsExpected(expiredPfx());
    readsAsExpected(notYetValidPfx());
  });

  it('without a key, returns the end-entity certificate, whatever the file order', () => {
    const { root, intermediate, leaf } = certificateChain();
    const fixture = opensslPfx({ certificate: root, chain: [leaf, intermediate], noKey: true });
    const contents = readPfx(fixture.file, fixture.password);
    expect(thumbprintOf(contents.certificate)).toBe(leaf.thumbprint);
    expect(contents.chain.map(thumbprintOf)).toEqual([root.thumbprint, intermediate.thumbprint]);
    expect(contents.privateKey).toBeNull();
  });

  it('reads BER (indefinite lengths, constructed OCTET STRING), as some Java and Windows versions write', () => {
    readsAsExpected(berPfx(opensslPfx()));
  });

  it('ignores bytes after the PFX, as OpenSSL does', () => {
    const fixture = opensslPfx();
    readsAsExpected({ ...fixture, file: Buffer.concat([fixture.file, Buffer.alloc(16)]) });
  });

  it('accepts a view into a larger buffer', () => {
    const fixture = opensslPfx();
    const padded = Buffer.concat([Buffer.alloc(7, 0xff), fixture.file, Buffer.alloc(5, 0xff)]);
    readsAsExpected({ ...fixture, file: padded.subarray(7, 7 + fixture.file.length) });
  });
});

describe('readPfx: files made by node-forge', () => {
  it('reads 3DES (forge’s pbeWithSHAAnd3-KeyTripleDES-CBC) and PBES2 AES files', () => {
    readsAsExpected(forgePfx({ algorithm: '3des' }));
    readsAsExpected(forgePfx({ algorithm: 'aes256' }));
    readsAsExpected(forgePfx({ algorithm: 'aes128' }));
  });

  it('reads a chain', () => {
    const { root, intermediate, leaf } = certificateChain();
    readsAsExpected(forgePfx({ certificate: leaf, chain: [intermediate, root] }));
  });

  it('reads a file whose MAC is keyed with no password bytes at all (the empty-password quirk)', () => {
    readsAsExpected(forgePfx({ password: null }));
    readsAsExpected(forgePfx({ password: '' }));
  });

  it('reads encrypted files without a MAC', () => {
    readsAsExpected(forgePfx({ mac: false }));
    readsAsExpected(forgePfx({ mac: false, algorithm: 'aes256' }));
    readsAsExpected(opensslPfx({ legacy: true, noMac: true }));
    readsAsExpected(opensslPfx({ legacy: true, noMac: true, certPbe: 'PBE-SHA1-RC2-128' }));
  });
});

describe('readPfx: errors', () => {
  it('PFX_EMPTY for an empty file', () => {
    expect(errorCodeOf(() => readPfx(emptyFile(), ''))).toBe(ErrorCode.PFX_EMPTY);
  });

  it('PFX_IS_PEM for PEM text, with or without a byte-order mark or leading lines', () => {
    expect(errorCodeOf(() => readPfx(pemFile(), ''))).toBe(ErrorCode.PFX_IS_PEM);
    expect(errorCodeOf(() => readPfx(pemFile({ byteOrderMark: true }), ''))).toBe(ErrorCode.PFX_IS_PEM);
    const openSslOutput = Buffer.concat([Buffer.from('Bag Attributes\n    localKeyID: 01 02\n'), pemFile()]);
    expect(errorCodeOf(() => readPfx(openSslOutput, ''))).toBe(ErrorCode.PFX_IS_PEM);
  });

  it('PFX_TRUNCATED for a file cut off anywhere', () => {
    const { file, password } = opensslPfx();
    for (const fraction of [0.99, 0.5, 0.01]) {
      expect(errorCodeOf(() => readPfx(truncatedFile(file, fraction), password))).toBe(ErrorCode.PFX_TRUNCATED);
    }
    expect(errorCodeOf(() => readPfx(file.subarray(0, 1), password))).toBe(ErrorCode.PFX_TRUNCATED);
    expect(errorCodeOf(() => readPfx(truncatedFile(berPfx({ file, password, thumbprint: '', chainThumbprints: [] }).file), password))).toBe(
      ErrorCode.PFX_TRUNCATED,
    );
  });

  it('PFX_NOT_PKCS12 for random bytes and other DER', () => {
    expect(errorCodeOf(() => readPfx(randomBytesFile(), ''))).toBe(ErrorCode.PFX_NOT_PKCS12);
    expect(errorCodeOf(() => readPfx(rsaCertificate().der, ''))).toBe(ErrorCode.PFX_NOT_PKCS12);
    // A truncated certificate is cut-off DER, but not a PFX.
    expect(errorCodeOf(() => readPfx(truncatedFile(rsaCertificate().der), ''))).toBe(ErrorCode.PFX_NOT_PKCS12);
  });

  it('PFX_WRONG_PASSWORD when the MAC or decryption fails', () => {
    expect(errorCodeOf(() => readPfx(opensslPfx().file, 'wrong'))).toBe(ErrorCode.PFX_WRONG_PASSWORD);
    expect(errorCodeOf(() => readPfx(opensslPfx({ legacy: true }).file, 'wrong'))).toBe(ErrorCode.PFX_WRONG_PASSWORD);
    expect(errorCodeOf(() => readPfx(opensslPfx({ password: '' }).file, 'wrong'))).toBe(ErrorCode.PFX_WRONG_PASSWORD);
    // No MAC: only decryption can tell.
    expect(errorCodeOf(() => readPfx(forgePfx({ mac: false }).file, 'wrong'))).toBe(ErrorCode.PFX_WRONG_PASSWORD);
    expect(errorCodeOf(() => readPfx(forgePfx({ mac: false, algorithm: 'aes256' }).file, 'wrong'))).toBe(ErrorCode.PFX_WRONG_PASSWORD);
    // -legacy files hold the RC2-encrypted certificates first: their decryption refuses the password.
    expect(errorCodeOf(() => readPfx(opensslPfx({ legacy: true, noMac: true }).file, 'wrong'))).toBe(ErrorCode.PFX_WRONG_PASSWORD);
    // Unicode passwords are not normalised or transliterated.
    expect(errorCodeOf(() => readPfx(opensslPfx({ password: unicodePassword }).file, 'passwort-密码'))).toBe(ErrorCode.PFX_WRONG_PASSWORD);
  });

  it('PFX_WRONG_PASSWORD when the file was altered (the MAC cannot tell the two apart)', () => {
    const { file, password } = opensslPfx();
    const altered = Buffer.from(file);
    altered[Math.floor(altered.length / 2)]! ^= 0x01;
    expect(errorCodeOf(() => readPfx(altered, password))).toBe(ErrorCode.PFX_WRONG_PASSWORD);
  });

  it('PFX_PASSWORD_REQUIRED when no password is given for a protected file', () => {
    expect(errorCodeOf(() => readPfx(opensslPfx().file, ''))).toBe(ErrorCode.PFX_PASSWORD_REQUIRED);
    expect(errorCodeOf(() => readPfx(opensslPfx({ legacy: true }).file, ''))).toBe(ErrorCode.PFX_PASSWORD_REQUIRED);
    expect(errorCodeOf(() => readPfx(forgePfx({ mac: false }).file, ''))).toBe(ErrorCode.PFX_PASSWORD_REQUIRED);
  });

  it('PFX_UNSUPPORTED_ALGORITHM for an unknown MAC digest, cipher or an excessive iteration count', () => {
    expect(errorCodeOf(() => readPfx(opensslPfx({ macAlgorithm: 'md5' }).file, 'Test-Password-1'))).toBe(ErrorCode.PFX_UNSUPPORTED_ALGORITHM);
    expect(errorCodeOf(() => readPfx(opensslPfx({ keyPbe: 'CAMELLIA-256-CBC' }).file, 'Test-Password-1'))).toBe(ErrorCode.PFX_UNSUPPORTED_ALGORITHM);
    const slow = opensslPfx({ iterations: maxIterations + 1, macAlgorithm: 'sha1', keyPbe: 'AES-128-CBC', certPbe: 'NONE' });
    expect(errorCodeOf(() => readPfx(slow.file, slow.password))).toBe(ErrorCode.PFX_UNSUPPORTED_ALGORITHM);
  });

  it('PFX_NO_CERTIFICATE for a key alone', () => {
    const { file, password } = keyOnlyPfx();
    expect(errorCodeOf(() => readPfx(file, password))).toBe(ErrorCode.PFX_NO_CERTIFICATE);
  });

  it('PFX_MULTIPLE_KEYS for two keys', () => {
    const { file, password } = forgePfx({ multipleKeys: true });
    expect(errorCodeOf(() => readPfx(file, password))).toBe(ErrorCode.PFX_MULTIPLE_KEYS);
  });

  it('CERTIFICATE_KEY_MISMATCH when no certificate belongs to the key', () => {
    const { file, password } = forgePfx({ keyMismatch: true });
    expect(errorCodeOf(() => readPfx(file, password))).toBe(ErrorCode.CERTIFICATE_KEY_MISMATCH);
  });

  it('never puts the password in the error', () => {
    const password = 'Secret-Marker-4711';
    try {
      readPfx(opensslPfx({ password: 'other' }).file, password);
    } catch (error) {
      expect(JSON.stringify({ ...(error as object), message: (error as Error).message, stack: (error as Error).stack })).not.toContain(password);
      return;
    }
    throw new Error('expected the read to fail');
  });
});

describe('readPfx: work budget per file', () => {
  // A full read of these would take minutes: they only pass within the timeout if refused up front.
  const refusedUpFront = { timeout: 30_000 };

  it('PFX_TOO_COMPLEX for 10^9 iterations in all, though every entry stays under the per-entry cap', refusedUpFront, () => {
    const { file, password } = costlyPfx({ entries: 1000, iterations: maxIterations });
    expect(errorCodeOf(() => readPfx(file, password))).toBe(ErrorCode.PFX_TOO_COMPLEX);
  });

  it('PFX_TOO_COMPLEX for the same work hidden in key bags inside encrypted content, before any of them is derived', refusedUpFront, () => {
    const { file, password } = costlyPfx({ entries: 1000, iterations: maxIterations, inKeyBags: true });
    expect(errorCodeOf(() => readPfx(file, password))).toBe(ErrorCode.PFX_TOO_COMPLEX);
  });

  it('PFX_TOO_COMPLEX for thousands of entries, however cheap each is', () => {
    const { file, password } = costlyPfx({ entries: 5000, iterations: 1 });
    expect(errorCodeOf(() => readPfx(file, password))).toBe(ErrorCode.PFX_TOO_COMPLEX);
  });

  it('reads files with many more entries and iterations than tools write', () => {
    const spread = costlyPfx({ entries: 30, iterations: 10_000 });
    expect(thumbprintOf(readPfx(spread.file, spread.password).certificate)).toBe(spread.thumbprint);
    const keyBag = costlyPfx({ entries: 1, iterations: 600_000, inKeyBags: true });
    readsAsExpected(keyBag);
  });
});
