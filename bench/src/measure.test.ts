import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { eventLoopLagP99 } from './measure.js';

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function blockFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('eventLoopLagP99', () => {
  it("takes off the 10 ms between samples that Node's own histogram counts in", async () => {
    const raw = monitorEventLoopDelay({ resolution: 10 });
    raw.enable();
    const lag = await eventLoopLagP99(() => pause(500));
    raw.disable();
    // Idle, Node's p99 is 10 ms and a little; how late the loop ran is that little.
    expect(raw.percentile(99) / 1e6).toBeGreaterThanOrEqual(10);
    expect(lag).toBeLessThan(raw.percentile(99) / 1e6 - 8);
  });

  it('tells how long the loop was held', async () => {
    const lag = await eventLoopLagP99(async () => {
      for (let round = 0; round < 10; round += 1) {
        blockFor(40);
        await pause(15);
      }
    });
    expect(lag).toBeGreaterThanOrEqual(35);
    expect(lag).toBeLessThan(75);
  });
});
