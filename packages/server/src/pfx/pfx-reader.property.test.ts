import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { isErrorCode } from '@bam/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { opensslPfx, type PfxFixture } from '../../test/support/pfx-fixtures.js';
import { DomainError } from '../common/domain-error.js';
import { readPfx } from './pfx-reader.js';

/**
 * Whatever bytes arrive, the reader either returns a certificate whose key belongs to it or throws a
 * coded DomainError — never another exception, which the API would turn into INTERNAL_ERROR.
 */
function readsOrRefusesWithCode(file: Uint8Array, password: string): void {
  let contents: ReturnType<typeof readPfx>;
  try {
    contents = readPfx(file, password);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect(isErrorCode((error as DomainError).code)).toBe(true);
    return;
  }
  if (!contents.privateKey) return;
  const certificateKey = new X509Certificate(contents.certificate).publicKey.export({ type: 'spki', format: 'der' });
  const privateKey = createPublicKey(createPrivateKey({ key: contents.privateKey, format: 'der', type: 'pkcs8' })).export({
    type: 'spki',
    format: 'der',
  });
  expect(privateKey).toEqual(certificateKey);
}

// Few iterations keep each run cheap; the structure is what the properties explore.
const fixtures: PfxFixture[] = [
  opensslPfx({ iterations: 1 }),
  opensslPfx({ iterations: 1, legacy: true }),
  opensslPfx({ password: '', iterations: 1 }),
];

describe('the PFX reader on arbitrary input', () => {
  it('refuses random bytes with a code', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.string({ maxLength: 16 }), (bytes, password) => readsOrRefusesWithCode(bytes, password)),
      { numRuns: 500 },
    );
  });

  it('reads or refuses with a code every real file with bytes changed, cut off or inserted', () => {
    const damage = fc.record({
      fixture: fc.integer({ min: 0, max: fixtures.length - 1 }),
      edits: fc.array(
        fc.oneof(
          fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
          fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
          fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
        ),
        { minLength: 1, maxLength: 4 },
      ),
      wrongPassword: fc.boolean(),
    });
    fc.assert(
      fc.property(damage, ({ fixture, edits, wrongPassword }) => {
        const pfx = fixtures[fixture]!;
        let file = Buffer.from(pfx.file);
        for (const edit of edits) {
          const at = edit.at % Math.max(file.length, 1);
          if (edit.kind === 'set') file[at] = edit.value;
          else if (edit.kind === 'cut') file = file.subarray(0, at);
          else file = Buffer.concat([file.subarray(0, at), edit.bytes, file.subarray(at)]);
        }
        readsOrRefusesWithCode(file, wrongPassword ? `${pfx.password}x` : pfx.password);
      }),
      { numRuns: 400 },
    );
  });
});
