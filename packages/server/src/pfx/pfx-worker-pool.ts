import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { ErrorCode } from '@bam/shared';
import { Piscina } from 'piscina';
import { DomainError } from '../common/domain-error.js';
import type { PfxContents } from './pfx-reader.js';
import type { PfxTask, PfxTaskResult, PfxWorkerData } from './pfx-worker.js';

/**
 * The nice value of PFX threads. Reading a file keeps a core busy for milliseconds to seconds; on a
 * machine with few cores the event loop would otherwise wait its turn behind them, delaying every
 * request while files are imported. A lower priority makes them yield to it.
 */
export const PFX_THREAD_NICE = 10;

export interface PfxReadOptions {
  /** Aborting it stops the read at once, terminating its worker: the client went away. */
  signal?: AbortSignal;
}

/** Reads PFX files without blocking the caller's event loop. */
export interface PfxReader {
  /**
   * Reads a PFX file in a worker thread; the caller's `file` is copied, never detached.
   * @throws DomainError with the codes `readPfx` documents, or SERVER_BUSY when every thread is busy
   *   and the queue is full; the signal's reason when it aborts; any other error is unexpected.
   */
  read(file: Uint8Array, password: string, options?: PfxReadOptions): Promise<PfxContents>;
  /** Abandons running and queued reads at once, then stops the workers. */
  close(): Promise<void>;
}

// Under vitest or tsx this module is the TypeScript source, and so must its worker be.
const runsFromSource = import.meta.url.endsWith('.ts');

/**
 * Starts a pool of worker threads that read PFX files with `readPfx`. Threads start on demand and
 * exit after a minute idle; they never keep the process alive. Beyond `maxQueue` reads waiting for a
 * thread, reads are refused as SERVER_BUSY: each may take seconds, so a longer queue would only
 * keep callers waiting for an answer they can as well retry.
 */
export function createPfxWorkerPool(options: { maxThreads?: number; maxQueue?: number } = {}): PfxReader {
  const maxThreads = options.maxThreads ?? 2;
  const maxQueue = options.maxQueue ?? 4 * maxThreads;
  const pool = new Piscina<PfxTask, PfxTaskResult>({
    filename: new URL(`./pfx-worker.${runsFromSource ? 'ts' : 'js'}`, import.meta.url).href,
    minThreads: 0,
    maxThreads,
    idleTimeout: 60_000,
    workerData: { nice: PFX_THREAD_NICE } satisfies PfxWorkerData,
    // Resolved from this package rather than the working directory, which may be the repository root.
    ...(runsFromSource && { execArgv: ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] }),
  });

  let closed = false;
  // Counted here: piscina's own maxQueue leaves out tasks that carry an AbortSignal (they wait in a separate queue).
  let pending = 0;
  return {
    async read(file, password, { signal } = {}) {
      // Piscina would quietly start a new worker for a closed pool.
      if (closed) throw new Error('The PFX worker pool is closed');
      if (pending >= maxThreads + maxQueue) throw new DomainError(ErrorCode.SERVER_BUSY);
      // A copy the worker can own: the caller's buffer may be a slice of a larger or pooled one.
      const copy = new Uint8Array(file);
      let result: PfxTaskResult;
      pending++;
      try {
        result = await pool.run({ file: copy, password }, { transferList: [copy.buffer], signal });
      } catch (error) {
        signal?.throwIfAborted();
        // The worker passes on only a message and stack, with the password cut out.
        throw new Error('Reading a PFX file failed unexpectedly', { cause: error });
      } finally {
        pending--;
      }
      if (!result.ok) throw new DomainError(result.code, result.ids);
      return {
        certificate: asBuffer(result.certificate),
        chain: result.chain.map(asBuffer),
        privateKey: result.privateKey && asBuffer(result.privateKey),
      };
    },
    close() {
      closed = true;
      // Terminates busy workers and rejects queued reads: nothing waits for a read that may take seconds.
      return pool.destroy();
    },
  };
}

/** Transferred buffers arrive as plain Uint8Arrays; view them as Buffers without copying. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
