import { ErrorCode } from '@bam/shared';
import { describe, expect, it } from 'vitest';
import { decodeSequenceCursor, encodeCursor, MAX_BIGINT } from './cursor-pagination.js';

function codeOf(cursor: string): string | null {
  try {
    decodeSequenceCursor(cursor);
    return null;
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe('sequence cursors', () => {
  it('hold a sequence number from 0 to the largest bigint', () => {
    expect(decodeSequenceCursor(encodeCursor(['0']))).toBe('0');
    expect(decodeSequenceCursor(encodeCursor(['42']))).toBe('42');
    expect(decodeSequenceCursor(encodeCursor([MAX_BIGINT]))).toBe('9223372036854775807');
  });

  it('are INVALID_CURSOR past the largest bigint, though 19 digits long, and for anything but digits', () => {
    for (const sequence of ['9223372036854775808', '9999999999999999999', '12345678901234567890', '-1', '1.5', '1e3', ' 1', '']) {
      expect(codeOf(encodeCursor([sequence])), sequence).toBe(ErrorCode.INVALID_CURSOR);
    }
    expect(codeOf(encodeCursor(['1', '2']))).toBe(ErrorCode.INVALID_CURSOR);
    expect(codeOf('not-a-cursor')).toBe(ErrorCode.INVALID_CURSOR);
  });
});
