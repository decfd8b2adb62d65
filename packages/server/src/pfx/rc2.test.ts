import fc from 'fast-check';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { rc2CbcDecrypt } from './rc2.js';

/** node-forge's RC2, the reader's decryption before: what rc2CbcDecrypt must equal. */
function forgeEncrypt(key: Buffer, effectiveBits: number, iv: Buffer, plaintext: Buffer): Buffer {
  const cipher = forge.rc2.createEncryptionCipher(forge.util.createBuffer(key.toString('binary')), effectiveBits);
  cipher.start(forge.util.createBuffer(iv.toString('binary')));
  cipher.update(forge.util.createBuffer(plaintext.toString('binary')));
  cipher.finish();
  return Buffer.from(cipher.output.getBytes(), 'binary');
}

describe('rc2CbcDecrypt', () => {
  it('matches the test vectors of RFC 2268 (one block, zero IV)', () => {
    const zeroIv = Buffer.alloc(8);
    const vectors: [key: string, bits: number, plaintext: string, ciphertext: string][] = [
      ['0000000000000000', 63, '0000000000000000', 'ebb773f993278eff'],
      ['ffffffffffffffff', 64, 'ffffffffffffffff', '278b27e42e2f0d49'],
      ['3000000000000000', 64, '1000000000000001', '30649edf9be7d2c2'],
      ['88', 64, '0000000000000000', '61a8a244adacccf0'],
      ['88bca90e90875a', 64, '0000000000000000', '6ccf4308974c267f'],
      ['88bca90e90875a7f0f79c384627bafb2', 64, '0000000000000000', '1a807d272bbe5db1'],
      ['88bca90e90875a7f0f79c384627bafb2', 128, '0000000000000000', '2269552ab0f85ca6'],
    ];
    for (const [key, bits, plaintext, ciphertext] of vectors) {
      expect(rc2CbcDecrypt(Buffer.from(key, 'hex'), bits, zeroIv, Buffer.from(ciphertext, 'hex')).toString('hex')).toBe(plaintext);
    }
  });

  it('decrypts what node-forge encrypts, with the key lengths PKCS#12 uses', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(5, 16),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.uint8Array({ maxLength: 100 }),
        (keyLength, keyBytes, ivBytes, plaintextBytes) => {
          const key = Buffer.from(keyBytes.subarray(0, keyLength));
          const iv = Buffer.from(ivBytes);
          const plaintext = Buffer.from(plaintextBytes);
          const decrypted = rc2CbcDecrypt(key, keyLength * 8, iv, forgeEncrypt(key, keyLength * 8, iv, plaintext));
          // forge pads as PKCS#7 does: 1–8 bytes of the pad length.
          const padding = 8 - (plaintext.length % 8);
          expect(decrypted).toEqual(Buffer.concat([plaintext, Buffer.alloc(padding, padding)]));
        },
      ),
      { numRuns: 200 },
    );
  });
});
