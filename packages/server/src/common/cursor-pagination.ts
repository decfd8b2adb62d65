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
