import type { GraphQLFieldResolver, GraphQLSchema } from 'graphql';
import { isObjectType } from 'graphql';
import { getMetadataStorage } from 'type-graphql';

type ParamMetadata = NonNullable<ReturnType<typeof getMetadataStorage>['fieldResolvers'][number]['params']>[number];

/** The value of one resolver parameter, when it needs no conversion or validation. */
function directParam(param: ParamMetadata): ((root: unknown, context: Record<string, unknown>, info: unknown) => unknown) | undefined {
  switch (param.kind) {
    case 'root': {
      const { propertyName } = param;
      return propertyName ? (root) => (root as Record<string, unknown>)[propertyName] : (root) => root;
    }
    case 'context': {
      const { propertyName } = param;
      return propertyName ? (_root, context) => context[propertyName] : (_root, context) => context;
    }
    case 'info':
      return (_root, _context, info) => info;
    default:
      return undefined;
  }
}

/**
 * Calls the field resolvers that take only `@Root`, `@Ctx` and `@Info` and carry no `@Authorized` or
 * middleware straight from graphql-js, instead of through type-graphql's wrapper: on lists
 * (`BackupApplication.certificate`, `Certificate.status`, hundreds per read) the wrapper's per-call
 * resolver data, parameter sorting and mapping cost more than the fields. The one difference: the root
 * is passed as graphql-js gives it, not copied onto an instance of its class when it is a plain object —
 * no entity has methods or getters a resolver could miss (see direct-field-resolvers.test.ts). Resolvers
 * with arguments keep the wrapper, which converts and validates them.
 */
export function callFieldResolversDirectly<ResolverClass extends abstract new (...args: never[]) => object>(
  schema: GraphQLSchema,
  resolverClasses: readonly ResolverClass[],
  instanceOf: (resolverClass: ResolverClass) => object,
) {
  const storage = getMetadataStorage();
  for (const resolver of storage.fieldResolvers) {
    const resolverClass = resolverClasses.find((candidate) => candidate === resolver.target);
    if (resolver.kind !== 'external' || !resolverClass) continue;
    if (resolver.roles !== undefined || (resolver.middlewares?.length ?? 0) > 0) continue;
    const params = [...(resolver.params ?? [])].sort((a, b) => a.index - b.index).map(directParam);
    if (params.some((param) => param === undefined)) continue;
    const typeName = storage.objectTypes.find((type) => type.target === resolver.getObjectType?.())?.name;
    const type = typeName ? schema.getType(typeName) : undefined;
    const field = isObjectType(type) ? type.getFields()[resolver.schemaName] : undefined;
    if (!field) continue;
    const instance = instanceOf(resolverClass) as Record<string, (...values: unknown[]) => unknown>;
    const method = instance[resolver.methodName]!;
    const values = params as NonNullable<(typeof params)[number]>[];
    // One and two parameters (every such resolver here) without an array per call.
    const resolve: GraphQLFieldResolver<unknown, Record<string, unknown>> = values.length === 1
      ? (root, _args, context, info) => method.call(instance, values[0]!(root, context, info))
      : values.length === 2
        ? (root, _args, context, info) => method.call(instance, values[0]!(root, context, info), values[1]!(root, context, info))
        : (root, _args, context, info) =>
            method.apply(
              instance,
              values.map((value) => value(root, context, info)),
            );
    field.resolve = resolve;
  }
}
