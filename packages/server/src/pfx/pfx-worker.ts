/**
 * Piscina worker: reads one PFX file per task, off the main thread's event loop. Expected failures
 * come back as data, since class identity does not survive the thread boundary.
 */
import os from 'node:os';
import type { ErrorCode } from '@bam/shared';
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import { DomainError } from '../common/domain-error.js';
import { readPfx } from './pfx-reader.js';

/** What the pool tells each of its threads. */
export interface PfxWorkerData {
  /** The nice value this thread takes (Linux only, where it belongs to the calling thread; elsewhere it would slow the whole process). */
  nice: number;
}

if (process.platform === 'linux') os.setPriority((workerData as PfxWorkerData).nice);

export interface PfxTask {
  file: Uint8Array;
  password: string;
}

export type PfxTaskResult =
  { ok: true; certificate: Uint8Array; chain: Uint8Array[]; privateKey: Uint8Array | null } | { ok: false; code: ErrorCode; ids: readonly string[] };

type PfxTaskSuccess = Extract<PfxTaskResult, { ok: true }>;

/** A success whose buffers move to the main thread instead of being copied. */
class MovedResult {
  constructor(private readonly result: PfxTaskSuccess) {}

  get [transferableSymbol](): ArrayBufferLike[] {
    const { certificate, chain, privateKey } = this.result;
    return [certificate, ...chain, ...(privateKey ? [privateKey] : [])].map((bytes) => bytes.buffer);
  }

  get [valueSymbol](): PfxTaskSuccess {
    return this.result;
  }
}

/**
 * A copy that owns all of its memory. Small Node buffers are slices of a shared pool, which must
 * not be transferred (nor cloned whole with every small slice).
 */
function owned(bytes: Buffer): Uint8Array {
  return new Uint8Array(bytes);
}

export default function readPfxTask({ file, password }: PfxTask): PfxTaskResult | ReturnType<typeof move> {
  try {
    const contents = readPfx(file, password);
    return move(
      new MovedResult({
        ok: true,
        certificate: owned(contents.certificate),
        chain: contents.chain.map(owned),
        privateKey: contents.privateKey && owned(contents.privateKey),
      }),
    );
  } catch (error) {
    if (error instanceof DomainError) return { ok: false, code: error.code, ids: error.ids };
    throw redacted(error, password);
  }
}

/**
 * A plain copy of an unexpected error with the password cut out of its message and stack: Node's
 * argument errors quote the values they reject ("Received type number (1234)").
 */
function redacted(error: unknown, password: string): Error {
  // The task crossed a thread boundary untyped: a wrong-typed password is exactly what ends up here.
  const secret = String(password);
  const redact = (text: string) => (secret ? text.replaceAll(secret, '[password]') : text);
  const copy = new Error(redact(error instanceof Error ? `${error.name}: ${error.message}` : String(error)));
  copy.stack = redact((error instanceof Error && error.stack) || copy.message);
  return copy;
}
