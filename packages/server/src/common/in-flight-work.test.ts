import { describe, expect, it } from 'vitest';
import { InFlightWork } from './in-flight-work.js';

describe('InFlightWork', () => {
  it('is idle at once with nothing under way, and once the last entry ends', async () => {
    const work = new InFlightWork();
    await work.idle();
    const first = work.begin('POST /graphql');
    const second = work.begin('GET /');
    first.name = 'mutation UpdateCertificate';
    let idle = false;
    const waiting = work.idle().then(() => (idle = true));
    first.end();
    first.end();
    await Promise.resolve();
    expect(idle).toBe(false);
    expect(work.names()).toEqual(['GET /']);
    second.end();
    await waiting;
    expect(work.names()).toEqual([]);
  });
});
