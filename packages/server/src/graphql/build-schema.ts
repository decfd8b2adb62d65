import { buildSchema, type ContainerType, type NonEmptyArray } from 'type-graphql';
import type { GraphQLSchema } from 'graphql';
import { authChecker } from './auth-checker.js';

/** Resolver classes as type-graphql takes them, with the instance to use for each (none: print-only). */
export interface SchemaResolvers<ResolverClass extends abstract new (...args: never[]) => object> {
  classes: readonly ResolverClass[];
  instanceOf?: (resolverClass: ResolverClass) => object;
}

/** The executable API schema from the resolvers the modules contribute. */
export async function buildApiSchema<ResolverClass extends abstract new (...args: never[]) => object>({
  classes,
  instanceOf,
}: SchemaResolvers<ResolverClass>): Promise<GraphQLSchema> {
  const [first, ...rest] = classes;
  if (!first) throw new Error('The API needs at least one resolver');
  const container: ContainerType | undefined = instanceOf && { get: (resolverClass) => instanceOf(resolverClass as ResolverClass) };
  const schema = await buildSchema({
    resolvers: [first, ...rest] satisfies NonEmptyArray<ResolverClass>,
    ...(container ? { container } : {}),
    validate: false,
    authChecker,
  });
  // type-graphql offers no option to describe the root types; the playground shows these first.
  const queryType = schema.getQueryType();
  if (queryType) queryType.description = 'Reads: organizations, their backup applications and certificates, and the certificate store.';
  const mutationType = schema.getMutationType();
  if (mutationType) mutationType.description = 'Changes. Each one is all or nothing: on any error it changes nothing and says why.';
  return schema;
}
