import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './webhook-retry.js';

const settings = { retryBaseMs: 100, retryMaxMs: 1000 };

describe('webhook retry delays', () => {
  it('double their ceiling with each retry up to the maximum', () => {
    expect([1, 2, 3, 4, 5, 6, 60].map((retry) => retryDelayMs(retry, settings, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('are drawn between zero and the ceiling (full jitter)', () => {
    expect(retryDelayMs(3, settings, () => 0)).toBe(0);
    expect(retryDelayMs(3, settings, () => 0.5)).toBe(200);
    for (let index = 0; index < 200; index += 1) {
      const delay = retryDelayMs(4, settings);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(800);
    }
  });
});
