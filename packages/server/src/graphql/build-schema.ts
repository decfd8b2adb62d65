import { buildSchema, type ContainerType, type NonEmptyArray, type PubSub } from 'type-graphql';
import type { GraphQLSchema } from 'graphql';
import { authChecker } from './auth-checker.js';
import { callFieldResolversDirectly } from './direct-field-resolvers.js';

/** Resolver classes as type-graphql takes them, with the instance to use for each (none: print-only). */
export interface SchemaResolvers<ResolverClass extends abstract new (...args: never[]) => object> {
  classes: readonly ResolverClass[];
  instanceOf?: (resolverClass: ResolverClass) => object;
}

/**
 * type-graphql requires a pubSub as soon as there is a subscription, though ours give their own
 * `subscribe` (they read the event log, which topics cannot resume): one that refuses topics.
 */
const noTopics: PubSub = {
  publish() {
    throw new Error('Subscriptions here read the event log; there are no pub/sub topics');
  },
  subscribe() {
    throw new Error('Subscriptions here read the event log; there are no pub/sub topics');
  },
};

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
    pubSub: noTopics,
  });
  // No global middlewares above: a resolver without its own runs the same called directly.
  if (instanceOf) callFieldResolversDirectly(schema, classes, instanceOf);
  // type-graphql offers no option to describe the root types; the playground shows these first.
  const queryType = schema.getQueryType();
  if (queryType) queryType.description = 'Reads: organizations, their backup applications and certificates, and the certificate store.';
  const mutationType = schema.getMutationType();
  if (mutationType) mutationType.description = 'Changes. Each one is all or nothing: on any error it changes nothing and says why.';
  const subscriptionType = schema.getSubscriptionType();
  if (subscriptionType) subscriptionType.description = 'Live events over graphql-ws on the same path; resumable with `after`.';
  return schema;
}
