import { hash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { iterateDigest } from './iterated-digest.js';

/** What iterateDigest must equal: one node:crypto call per round. */
function nodeIterated(digest: string, value: Buffer, rounds: number): Buffer {
  let result = value;
  for (let round = 0; round < rounds; round++) result = hash(digest, result, 'buffer');
  return result;
}

describe('iterateDigest', () => {
  for (const [digest, length] of [
    ['sha1', 20],
    ['sha256', 32],
    ['sha512', 64],
    ['sha224', 28],
  ] as const) {
    it(`equals ${digest} applied round after round by node:crypto`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: length, maxLength: length }), fc.integer({ min: 0, max: 300 }), (bytes, rounds) => {
          const value = Buffer.from(bytes);
          expect(iterateDigest(digest, value, rounds)).toEqual(nodeIterated(digest, value, rounds));
        }),
        { numRuns: 200 },
      );
    });
  }

  it('matches node:crypto over the 2,048 rounds OpenSSL writes', () => {
    for (const digest of ['sha1', 'sha256']) {
      const value = hash(digest, 'start', 'buffer');
      expect(iterateDigest(digest, value, 2047)).toEqual(nodeIterated(digest, value, 2047));
    }
  });
});
