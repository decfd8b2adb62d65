import { DEFAULT_PAGE_SIZE, ErrorCode, MAX_PAGE_SIZE } from '@bam/shared';
import { DomainError } from './domain-error.js';
import { isStorableText } from './storable-text.js';

/** A page request as services take it: size and the cursor it starts after. */
export interface PageRequest {
  first?: number | null;
  after?: string | null;
}

/** One page of a keyset-paginated list, shaped as the API's connections (Relay style). */
export interface Connection<Node> {
  edges: { cursor: string; node: Node }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** Number of items in the whole list; may be computed only when read. */
  totalCount: number | Promise<number>;
}

/** Checks a requested page size, applying the default. */
export function pageSize(first: number | null | undefined): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) throw new DomainError(ErrorCode.INVALID_PAGE_SIZE);
  return size;
}

/**
 * The connection of a keyset query's rows, fetched with one row more than `size` (it tells that a next
 * page exists). `count` runs only when `totalCount` is read: over a long history it costs more than the page.
 */
export function keysetConnection<Node>(
  rows: readonly Node[],
  size: number,
  cursorKey: (node: Node) => readonly string[],
  count: () => Promise<number>,
): Connection<Node> {
  const edges = rows.slice(0, size).map((node) => ({ cursor: encodeCursor(cursorKey(node)), node }));
  let totalCount: Promise<number> | undefined;
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null },
    get totalCount() {
      return (totalCount ??= count());
    },
  };
}

/** The largest value of PostgreSQL's `bigint` (2^63 - 1), the type of the sequence numbers lists are paged by. */
export const MAX_BIGINT = '9223372036854775807';

/** Cursors are opaque to clients: the sort key of the item, base64url-encoded. */
export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, length: number): string[] {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === length && key.every((part) => typeof part === 'string' && isStorableText(part))) return key;
  } catch {
    // Not JSON: falls through to the coded error.
  }
  throw new DomainError(ErrorCode.INVALID_CURSOR);
}

/**
 * The sequence number (a `bigint` column, as text) of a one-part cursor. Anything else, a number past
 * the largest `bigint` too, is INVALID_CURSOR: PostgreSQL would refuse it as out of range.
 */
export function decodeSequenceCursor(cursor: string): string {
  const [sequence] = decodeCursor(cursor, 1) as [string];
  if (!/^\d{1,19}$/.test(sequence) || BigInt(sequence) > BigInt(MAX_BIGINT)) throw new DomainError(ErrorCode.INVALID_CURSOR);
  return sequence;
}
