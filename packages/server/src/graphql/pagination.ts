import { DEFAULT_PAGE_SIZE, ErrorCode, MAX_PAGE_SIZE } from '@bam/shared';
import { type ClassType, Field, Int, ObjectType } from 'type-graphql';
import { DomainError } from '../common/domain-error.js';

@ObjectType({ description: 'Where a page stands in the whole list.' })
export class PageInfo {
  @Field(() => Boolean, { description: 'Whether more items follow this page.' })
  hasNextPage: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the last item of this page: pass it as `after` for the next page.' })
  endCursor: string | null;
}

export interface Connection<Node> {
  edges: { cursor: string; node: Node }[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** A Relay-style connection type for one kind of node. */
export function ConnectionType<Node extends object>(nodeClass: ClassType<Node>, nodeName: string) {
  @ObjectType(`${nodeName}Edge`, { description: `One ${nodeName} in a page, with its cursor.` })
  class Edge {
    @Field(() => String, { description: 'Opaque position of this item, for `after`.' })
    cursor: string;

    @Field(() => nodeClass, { description: `The ${nodeName}.` })
    node: Node;
  }

  @ObjectType(`${nodeName}Connection`, { description: `A page of ${nodeName} items.` })
  class ConnectionClass implements Connection<Node> {
    @Field(() => [Edge], { description: 'The items of this page, in list order.' })
    edges: Edge[];

    @Field(() => PageInfo, { description: 'Whether more pages follow, and where the next starts.' })
    pageInfo: PageInfo;

    @Field(() => Int, { description: 'Number of items in the whole list (with the same filter).' })
    totalCount: number;
  }
  return ConnectionClass;
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
    if (Array.isArray(key) && key.length === length && key.every((part) => typeof part === 'string')) return key;
  } catch {
    // Not JSON: falls through to the coded error.
  }
  throw new DomainError(ErrorCode.INVALID_CURSOR);
}
