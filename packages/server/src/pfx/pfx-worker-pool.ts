import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { DomainError } from '../common/domain-error.js';
import type { PfxContents } from './pfx-reader.js';
import type { PfxTask, PfxTaskResult } from './pfx-worker.js';

/** Reads PFX files without blocking the caller's event loop. */
export interface PfxReader {
  /**
   * Reads a PFX file in a worker thread; the caller's `file` is copied, never detached.
   * @throws DomainError with the codes `readPfx` documents; any other error is unexpected.
   */
  read(file: Uint8Array, password: string): Promise<PfxContents>;
  /** Lets running reads finish, then stops the workers. */
  close(): Promise<void>;
}

// Under vitest or tsx this module is the TypeScript source, and so must its worker be.
const runsFromSource = import.meta.url.endsWith('.ts');

/**
 * Starts a pool of worker threads that read PFX files with `readPfx`. Threads start on demand and
 * exit after a minute idle; they never keep the process alive.
 */
export function createPfxWorkerPool(options: { maxThreads?: number } = {}): PfxReader {
  const pool = new Piscina<PfxTask, PfxTaskResult>({
    filename: new URL(`./pfx-worker.${runsFromSource ? 'ts' : 'js'}`, import.meta.url).href,
    minThreads: 0,
    maxThreads: options.maxThreads ?? 2,
    idleTimeout: 60_000,
    // Resolved from this package rather than the working directory, which may be the repository root.
    ...(runsFromSource && { execArgv: ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] }),
  });

  let closed = false;
  return {
    async read(file, password) {
      // Piscina would quietly start a new worker for a closed pool.
      if (closed) throw new Error('The PFX worker pool is closed');
      // A copy the worker can own: the caller's buffer may be a slice of a larger or pooled one.
      const copy = new Uint8Array(file);
      let result: PfxTaskResult;
      try {
        result = await pool.run({ file: copy, password }, { transferList: [copy.buffer] });
      } catch (error) {
        // The worker passes on only a message and stack, with the password cut out.
        throw new Error('Reading a PFX file failed unexpectedly', { cause: error });
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
      return pool.close();
    },
  };
}

/** Transferred buffers arrive as plain Uint8Arrays; view them as Buffers without copying. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
