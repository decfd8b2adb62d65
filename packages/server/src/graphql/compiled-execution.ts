import type { ApolloServerOptionsWithGateway, BaseContext } from '@apollo/server';
import {
  type ASTVisitor,
  type DocumentNode,
  type ExecutionResult,
  execute,
  GraphQLError,
  type GraphQLSchema,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  TypeInfo,
  ValidationContext,
  visit,
} from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import { nullVariableWhereRequired, withoutSubmittedValues } from './variable-errors.js';

type Gateway = ApolloServerOptionsWithGateway<BaseContext>['gateway'];

/**
 * How many parsed documents keep their compiled operations. A compiled read of the console's size takes
 * ~90 kB (a small query ~13 kB) and compiling it 0.6–2.7 ms: a client sending ever new documents must
 * not make the server keep them all. The console and the API's clients use a few dozen.
 */
export const COMPILED_DOCUMENTS_KEPT = 500;

/** Marks a field whose value may be a promise without a resolver, e.g. a total counted only when read. */
export const READ_LAZILY = { readLazily: true } as const;

/**
 * graphql-jit reads a field without a resolver synchronously, as a plain property; graphql-js also
 * awaits a promise found there. The fields marked `READ_LAZILY` get a resolver that returns the property,
 * which graphql-jit awaits.
 */
function resolveLazyFields(schema: GraphQLSchema) {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.extensions['readLazily'] !== true || field.resolve) continue;
      const name = field.name;
      field.resolve = (parent: Record<string, unknown>) => parent[name];
    }
  }
}

/**
 * graphql-jit's errors lack graphql-js' always-present `extensions` object, which Apollo's error
 * formatting reads: the same error as graphql-js would have made it.
 */
function asGraphQLJsError(error: GraphQLError): GraphQLError {
  const copy = new GraphQLError(error.message, { path: error.path, originalError: error.originalError, extensions: error.extensions });
  return Object.assign(copy, { locations: error.locations });
}

/** Per operation, the variables declared without a default that stand for an input object's field somewhere in it. */
const inputFieldVariables = new WeakMap<OperationDefinitionNode, readonly string[]>();

function variablesForInputFields(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): readonly string[] {
  let found = inputFieldVariables.get(operation);
  if (found) return found;
  const withDefault = new Set(
    (operation.variableDefinitions ?? []).filter((definition) => definition.defaultValue).map((definition) => definition.variable.name.value),
  );
  const names = new Set<string>();
  const visitor: ASTVisitor = {
    ObjectField(field) {
      if (field.value.kind === Kind.VARIABLE && !withDefault.has(field.value.name.value)) names.add(field.value.name.value);
    },
  };
  const context = new ValidationContext(schema, document, new TypeInfo(schema), () => undefined);
  for (const node of [operation, ...context.getRecursivelyReferencedFragments(operation)]) visit(node, visitor);
  inputFieldVariables.set(operation, (found = [...names]));
  return found;
}

/**
 * Whether the request leaves out a variable that stands for an input object's field. graphql-jit gives such a field
 * null (`keyExportable: $e` made a key not exportable, `keySize: $k` was refused); graphql-js, as the spec, gives it
 * its default or leaves it out, as if the field were not written. A variable left out as a whole argument, or as a
 * list's item, is coerced alike by both (the argument's default or nothing; null), and so is one with its own default.
 */
function leavesOutInputFieldVariable(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variableValues: Readonly<Record<string, unknown>>,
): boolean {
  return variablesForInputFields(schema, document, operation).some((name) => !Object.hasOwn(variableValues, name));
}

/**
 * Runs queries and mutations with graphql-jit instead of graphql-js' `execute`: each operation is
 * compiled once into a function that walks its selection directly, which cuts the server's CPU per
 * read of the console's lists by ~40 % (README, "Ninth round: the read path"). Apollo keeps parsing, validating
 * (its document cache, our limits) and formatting errors; its one hook for another executor is the
 * gateway interface, used here with this server's own schema. Compiled operations are kept per parsed
 * document (Apollo's document cache hands the same one back for the same text), for the
 * `COMPILED_DOCUMENTS_KEPT` documents used last.
 *
 * graphql-js still runs any operation graphql-jit refuses before executing it: its variable coercion
 * rejects an omitted non-null input field that has a default, and words errors differently. A refused
 * operation has run no resolver, so graphql-js then gives the answer; variables it refuses too are
 * reported without their values (`withoutSubmittedValues`), as over WebSocket. graphql-js also runs, from the start,
 * an operation whose request leaves out a variable standing for an input object's field (`leavesOutInputFieldVariable`):
 * graphql-jit would give the field null instead of its default. A nullable variable given null
 * where a value is required is refused before either runs (`nullVariableWhereRequired`).
 * (Subscriptions run over graphql-ws, on graphql-js, once per event for all who share a selection.)
 */
export function compiledExecutionGateway(schema: GraphQLSchema, documentsKept = COMPILED_DOCUMENTS_KEPT): Gateway {
  resolveLazyFields(schema);
  const compiled = new LRUCache<DocumentNode, Map<string | null, CompiledQuery | ExecutionResult>>({ max: documentsKept });
  const compile = (document: DocumentNode, operationName: string | null) => {
    let operations = compiled.get(document);
    if (!operations) compiled.set(document, (operations = new Map()));
    let operation = operations.get(operationName);
    if (!operation) operations.set(operationName, (operation = compileQuery(schema, document, operationName ?? undefined)));
    return operation;
  };
  let announce: ((schemaContext: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }) => void) | undefined;
  return {
    onSchemaLoadOrUpdate(callback) {
      announce = callback;
      return () => (announce = undefined);
    },
    async load() {
      // The schema never changes; Apollo derives its caches from it here, as with a static schema.
      announce?.({ apiSchema: schema, coreSupergraphSdl: '' });
      return {
        executor: async ({ document, operation, operationName, request, context }) => {
          const variableValues = request.variables ?? {};
          const nullWhereRequired = nullVariableWhereRequired(schema, document, operation, variableValues);
          if (nullWhereRequired) return { errors: [nullWhereRequired] };
          if (operation.operation !== 'subscription' && !leavesOutInputFieldVariable(schema, document, operation, variableValues)) {
            const compiledOperation = compile(document, operationName);
            if (isCompiledQuery(compiledOperation)) {
              const result = await compiledOperation.query(undefined, context, variableValues);
              // Without `data` it refused the variables before executing anything.
              if (result.data !== undefined) return result.errors ? { ...result, errors: result.errors.map(asGraphQLJsError) } : result;
            }
          }
          const result = await execute({ schema, document, contextValue: context, variableValues, operationName });
          return withoutSubmittedValues(result, { schema, document, operationName, variableValues });
        },
      };
    },
    async stop() {},
  };
}
