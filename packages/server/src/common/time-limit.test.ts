import { describe, expect, it } from 'vitest';
import { timeLimit } from './time-limit.js';

describe('timeLimit', () => {
  it('says a wait ended in time, a failed one too, and that one still waiting once the deadline is reached', async () => {
    const deadline = timeLimit(50);
    expect(await deadline.before(Promise.resolve())).toBe(true);
    expect(await deadline.before(Promise.reject(new Error('logged where it happened')))).toBe(true);
    expect(await deadline.before(new Promise(() => undefined))).toBe(false);
    // Reached once, reached for every later wait.
    expect(await deadline.before(new Promise(() => undefined))).toBe(false);
    deadline.clear();
  });
});
