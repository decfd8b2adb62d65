import { type ClassType, Extensions, Field, Int, ObjectType } from 'type-graphql';
import type { Connection } from '../common/cursor-pagination.js';
import { READ_LAZILY } from './compiled-execution.js';

// Lists return hundreds of these: plain fields skip type-graphql's per-field wrapper (see simple-resolvers.test.ts).
@ObjectType({ simpleResolvers: true, description: 'Where a page stands in the whole list.' })
export class PageInfo {
  @Field(() => Boolean, { description: 'Whether more items follow this page.' })
  hasNextPage: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the last item of this page: pass it as `after` for the next page.' })
  endCursor: string | null;
}

/** A Relay-style connection type for one kind of node. */
export function ConnectionType<Node extends object>(nodeClass: ClassType<Node>, nodeName: string) {
  @ObjectType(`${nodeName}Edge`, { simpleResolvers: true, description: `One ${nodeName} in a page, with its cursor.` })
  class Edge {
    @Field(() => String, { description: 'Opaque position of this item, for `after`.' })
    cursor: string;

    @Field(() => nodeClass, { description: `The ${nodeName}.` })
    node: Node;
  }

  @ObjectType(`${nodeName}Connection`, { simpleResolvers: true, description: `A page of ${nodeName} items.` })
  class ConnectionClass implements Connection<Node> {
    @Field(() => [Edge], { description: 'The items of this page, in list order.' })
    edges: Edge[];

    @Field(() => PageInfo, { description: 'Whether more pages follow, and where the next starts.' })
    pageInfo: PageInfo;

    @Field(() => Int, { description: 'Number of items in the whole list (with the same filter).' })
    @Extensions(READ_LAZILY) // counted only when read: the value is a promise
    totalCount: number;
  }
  return ConnectionClass;
}
