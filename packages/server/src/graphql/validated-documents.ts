import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  parse,
  specifiedRules,
  validate,
  type ValidationRule,
  ValuesOfCorrectTypeRule,
} from 'graphql';
import { LRUCache } from 'lru-cache';
import { literalValuesRule } from './literal-values.rule.js';
import { operationValidationRules, parseOptions } from './operation-limits.js';

/** How many document texts keep their parsed and validated document: the console and the API's clients use a few dozen. */
export const VALIDATED_DOCUMENTS_KEPT = 500;
/**
 * Characters of document text kept at most: the token limit bounds a document's shape, not its string
 * literals, so a few long ones must not make the server keep megabytes each.
 */
const VALIDATED_TEXT_KEPT = 4 * 1024 * 1024;

/**
 * The rules every document passes, over HTTP and WebSocket alike: graphql-js' own, with `literalValuesRule` in
 * place of ValuesOfCorrectTypeRule (whose messages quote the literal they refuse), then the operation limits.
 */
export const documentValidationRules: readonly ValidationRule[] = [
  ...specifiedRules.map((rule) => (rule === ValuesOfCorrectTypeRule ? literalValuesRule : rule)),
  ...operationValidationRules,
];

/**
 * Apollo validates with graphql-js' `specifiedRules` always, then `operationValidationRules` (its
 * `validationRules`): a document it refuses gets the errors of `documentValidationRules` instead, the same as
 * over WebSocket. They replace Apollo's in the list given to the end of its validation hook, which Apollo then
 * answers with (its own ApolloServerPluginDisableSuggestions rewrites the errors there). Apollo does not await
 * that hook, so the list changes before anything awaits. Valid documents cost nothing more; refused ones are
 * validated twice. Should the rules find nothing (a refusal by one of Apollo's own rules), Apollo's errors stay.
 */
export function literalFreeValidationPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async validationDidStart({ schema, document }) {
          return async (errors) => {
            if (!errors?.length) return;
            const worded = validate(schema, document, documentValidationRules);
            if (worded.length > 0) (errors as Error[]).splice(0, errors.length, ...worded);
          };
        },
      };
    },
  };
}

/** A GraphQL error as Apollo Server reports it: with `code` in `extensions` (parse and validation failures have their own). */
export function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    ...(error.nodes ? { nodes: error.nodes } : {}),
    ...(error.source ? { source: error.source } : {}),
    ...(error.positions ? { positions: error.positions } : {}),
    ...(error.path ? { path: error.path } : {}),
    originalError: error.originalError ?? error,
    extensions: { ...error.extensions, code: error.extensions.code ?? code },
  });
}

/**
 * Parses and validates GraphQL documents under the operation limits, as Apollo's document cache does
 * for HTTP: each valid text once, for the `kept` texts used last. Validation costs ~0.7 ms of CPU per
 * subscription of the console's size, so thousands of clients reconnecting after a restart would
 * otherwise hold the event loop for seconds with the same work. Refused documents are not kept; their
 * errors carry Apollo's codes.
 */
export function validatedDocuments(schema: GraphQLSchema, kept = VALIDATED_DOCUMENTS_KEPT) {
  const documents = new LRUCache<string, DocumentNode>({
    max: kept,
    maxSize: VALIDATED_TEXT_KEPT,
    sizeCalculation: (_document, text) => Math.max(text.length, 1),
  });
  return (text: string): { document: DocumentNode; errors?: undefined } | { document?: undefined; errors: readonly GraphQLError[] } => {
    const known = documents.get(text);
    if (known) return { document: known };
    let document;
    try {
      document = parse(text, parseOptions);
    } catch (error) {
      if (error instanceof GraphQLError) return { errors: [withCode(error, ApolloServerErrorCode.GRAPHQL_PARSE_FAILED)] };
      throw error;
    }
    const errors = validate(schema, document, documentValidationRules);
    if (errors.length > 0) return { errors: errors.map((error) => withCode(error, ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED)) };
    documents.set(text, document);
    return { document };
  };
}
