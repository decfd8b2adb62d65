import { ErrorCode } from '@bam/shared';
import { DomainError } from '../common/domain-error.js';

/**
 * Entries (AuthenticatedSafe entries and SafeBags) one file may hold. Tools write 2–4 (a key, a
 * certificate, a chain of a few more); 64 allows a long chain while capping the per-entry work of
 * a file with thousands of cheap entries.
 */
export const maxEntries = 64;

/**
 * Key-derivation iterations one file may ask for, summed over its MAC and every encrypted entry as
 * the file names them. OpenSSL 3 writes 3 × 2,048, Windows 3 × 2,000–10,000: one million is over
 * 30 times that and a few seconds of worker time at most, where the per-entry cap alone let a 1 MB
 * file ask for billions.
 */
export const maxTotalIterations = 1_000_000;

/** What reading one file has asked for so far; charged before the work is done, so a hostile file costs no derivation. */
export class PfxWorkBudget {
  private entries = 0;
  private iterations = 0;

  /** @throws DomainError PFX_TOO_COMPLEX once the file asks for more than either limit. */
  charge(entries: number, iterations: number): void {
    this.entries += entries;
    this.iterations += iterations;
    if (this.entries > maxEntries || this.iterations > maxTotalIterations) throw new DomainError(ErrorCode.PFX_TOO_COMPLEX);
  }
}
