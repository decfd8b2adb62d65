import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { ErrorCode } from '@bam/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainPfx, ecPfx, emptyFile, forgePfx, opensslPfx, thumbprintOf, type PfxFixture } from '../../test/support/pfx-fixtures.js';
import { DomainError } from '../common/domain-error.js';
import { readPfx } from './pfx-reader.js';
import { createPfxWorkerPool, PFX_THREAD_NICE, type PfxReader } from './pfx-worker-pool.js';

/** The nice value of each thread of this process, from /proc (field 19 of its stat line). */
function threadNiceValues(): Map<string, number> {
  const values = new Map<string, number>();
  for (const thread of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${thread}/stat`, 'utf8');
    // The command name, in parentheses, may hold spaces: count fields after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    values.set(thread, Number(fields[16]));
  }
  return values;
}

/**
 * The worst lateness of a 1 ms timer while `work` runs: how long the event loop was blocked.
 * The work starts after a timer is pending and a tick follows it, so a blocking call is measured too.
 */
async function worstTimerLateness<T>(work: () => Promise<T> | T): Promise<{ result: T; worstMs: number }> {
  const intervalMs = 1;
  let worstMs = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worstMs = Math.max(worstMs, now - last - intervalMs);
    last = now;
  }, intervalMs);
  try {
    await delay(5);
    const result = await work();
    await delay(5);
    return { result, worstMs };
  } finally {
    clearInterval(timer);
  }
}

// Its threads run at a low priority: on a machine busy with other work, reads take longer than the default timeout.
describe('createPfxWorkerPool', { timeout: 30_000 }, () => {
  let pool: PfxReader;

  beforeAll(async () => {
    pool = createPfxWorkerPool();
    // Start a worker (loading tsx under vitest) before anything is timed.
    const warmUp = opensslPfx();
    await pool.read(warmUp.file, warmUp.password);
  });

  afterAll(() => pool.close());

  it('returns what readPfx returns, as Buffers', async () => {
    const fixture = chainPfx();
    const contents = await pool.read(fixture.file, fixture.password);
    expect(contents).toEqual(readPfx(fixture.file, fixture.password));
    expect(Buffer.isBuffer(contents.certificate)).toBe(true);
    expect(thumbprintOf(contents.certificate)).toBe(fixture.thumbprint);
    expect(contents.chain.map(thumbprintOf)).toEqual(fixture.chainThumbprints);
  });

  it('returns an EC key and files without a key', async () => {
    const ec = ecPfx();
    expect((await pool.read(ec.file, ec.password)).privateKey).not.toBeNull();
    const certificateOnly = opensslPfx({ noKey: true });
    expect((await pool.read(certificateOnly.file, certificateOnly.password)).privateKey).toBeNull();
  });

  it('leaves the caller’s buffer intact, even a slice of a larger one', async () => {
    const fixture = opensslPfx();
    const larger = Buffer.concat([Buffer.alloc(3), fixture.file]);
    const slice = larger.subarray(3);
    await pool.read(slice, fixture.password);
    // A transferred (detached) buffer would read as empty.
    expect(slice.equals(fixture.file)).toBe(true);
  });

  it('rethrows expected failures as DomainError with their code', async () => {
    await expect(pool.read(opensslPfx().file, 'wrong')).rejects.toSatisfy(
      (error) => error instanceof DomainError && error.code === ErrorCode.PFX_WRONG_PASSWORD,
    );
    await expect(pool.read(emptyFile(), '')).rejects.toSatisfy((error) => error instanceof DomainError && error.code === ErrorCode.PFX_EMPTY);
    await expect(pool.read(forgePfx({ multipleKeys: true }).file, 'Test-Password-1')).rejects.toSatisfy(
      (error) => error instanceof DomainError && error.code === ErrorCode.PFX_MULTIPLE_KEYS,
    );
  });

  it('reads several files at once, more than it has threads', async () => {
    const fixtures = [opensslPfx(), opensslPfx({ legacy: true }), forgePfx(), opensslPfx({ password: '' }), chainPfx()];
    const results = await Promise.all(fixtures.map((fixture) => pool.read(fixture.file, fixture.password)));
    expect(results.map(({ certificate }) => thumbprintOf(certificate))).toEqual(fixtures.map(({ thumbprint }) => thumbprint));
  });

  it.runIf(process.platform === 'linux')('reads in threads that yield the CPU to the event loop, leaving the main thread as it was', async () => {
    const before = threadNiceValues();
    const heavy = opensslPfx({ iterations: 100_000 });
    const reading = pool.read(heavy.file, heavy.password);
    await delay(50);
    const during = threadNiceValues();
    await reading;
    // The main thread's id is the process id.
    expect(during.get(String(process.pid))).toBe(before.get(String(process.pid)));
    expect([...during.values()]).toContain(PFX_THREAD_NICE);
  });

  it('keeps the event loop free while a 10,000-iteration file is read', async ({ annotate }) => {
    const modern = opensslPfx({ iterations: 10_000 });
    const legacy = opensslPfx({ iterations: 10_000, legacy: true });

    const pooled = await worstTimerLateness(() => pool.read(modern.file, modern.password));
    const pooledLegacy = await worstTimerLateness(() => pool.read(legacy.file, legacy.password));
    const direct = await worstTimerLateness(() => readPfx(modern.file, modern.password));
    const directLegacy = await worstTimerLateness(() => readPfx(legacy.file, legacy.password));

    expect(thumbprintOf(pooled.result.certificate)).toBe(modern.thumbprint);
    expect(thumbprintOf(pooledLegacy.result.certificate)).toBe(legacy.thumbprint);
    expect(pooled.worstMs).toBeLessThan(100);
    expect(pooledLegacy.worstMs).toBeLessThan(100);
    const ms = (value: number) => `${value.toFixed(1)} ms`;
    await annotate(
      `worst timer lateness, 10,000 iterations — pool: ${ms(pooled.worstMs)} (PBES2), ${ms(pooledLegacy.worstMs)} (legacy); ` +
        `direct readPfx: ${ms(direct.worstMs)} (PBES2), ${ms(directLegacy.worstMs)} (legacy)`,
    );
  });
});

describe('createPfxWorkerPool: unexpected errors', () => {
  it('rethrows them as plain errors without the password', async () => {
    const pool = createPfxWorkerPool({ maxThreads: 1 });
    try {
      // A number makes Buffer.from throw in the worker, and Node's message quotes the value.
      const error: unknown = await pool.read(opensslPfx().file, 4711 as unknown as string).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(DomainError);
      const cause = (error as Error).cause as Error;
      expect(cause.message).toMatch(/^TypeError: .*\[password\]/);
      expect(`${String(error)} ${cause.message} ${cause.stack ?? ''}`).not.toContain('4711');
    } finally {
      await pool.close();
    }
  });

  it('refuses reads after close', async () => {
    const pool = createPfxWorkerPool();
    await pool.close();
    const fixture = opensslPfx();
    await expect(pool.read(fixture.file, fixture.password)).rejects.toThrow('closed');
  });
});

describe('createPfxWorkerPool: cancelling and queueing', () => {
  // A legitimate file within the budget that keeps a worker busy for a second or more (legacy KDF, 900,000 iterations).
  let slow: PfxFixture;
  const isServerBusy = (error: unknown) => error instanceof DomainError && error.code === ErrorCode.SERVER_BUSY;

  beforeAll(() => {
    slow = opensslPfx({ iterations: 450_000, legacy: true, certPbe: 'NONE' });
  });

  it('stops a running read when its signal aborts, and reads the next file', async () => {
    const pool = createPfxWorkerPool({ maxThreads: 1 });
    try {
      const warmUp = opensslPfx();
      await pool.read(warmUp.file, warmUp.password);
      const controller = new AbortController();
      const reading = pool.read(slow.file, slow.password, { signal: controller.signal });
      await delay(100);
      controller.abort();
      await expect(reading).rejects.toSatisfy((error) => error instanceof Error && error.name === 'AbortError');
      const next = opensslPfx();
      expect(thumbprintOf((await pool.read(next.file, next.password)).certificate)).toBe(next.thumbprint);
    } finally {
      await pool.close();
    }
  });

  it('close() abandons running and queued reads instead of waiting for them', async () => {
    const pool = createPfxWorkerPool({ maxThreads: 1 });
    const warmUp = opensslPfx();
    await pool.read(warmUp.file, warmUp.password);
    const reads = Promise.allSettled([pool.read(slow.file, slow.password), pool.read(slow.file, slow.password)]);
    await delay(100);
    await pool.close();
    expect((await reads).map(({ status }) => status)).toEqual(['rejected', 'rejected']);
  });

  it('answers SERVER_BUSY once every thread is busy and the queue is full', async () => {
    const pool = createPfxWorkerPool({ maxThreads: 1, maxQueue: 1 });
    const accepted = Promise.allSettled([pool.read(slow.file, slow.password), pool.read(slow.file, slow.password)]);
    try {
      const fixture = opensslPfx();
      await expect(pool.read(fixture.file, fixture.password)).rejects.toSatisfy(isServerBusy);
    } finally {
      await pool.close();
      await accepted;
    }
  });
});
