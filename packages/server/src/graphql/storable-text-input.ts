import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode } from '@bam/shared';
import { type ASTNode, GraphQLError, type OperationDefinitionNode, type ValidationRule } from 'graphql';
import { DomainError } from '../common/domain-error.js';
import { isStorableText } from '../common/storable-text.js';

/**
 * Text PostgreSQL cannot store (U+0000) is refused once per operation, before anything runs, wherever
 * it is given: a string literal of the document (`storableTextRule`, a validation rule, so a document is
 * checked once and kept checked) or a variable's value (`unstorableTextInVariables`, on every request,
 * over HTTP with `storableTextPlugin` and over WebSocket). No resolver, service or SQL statement then
 * meets it: such a parameter fails the whole statement, which would answer INTERNAL_ERROR and log an
 * unexpected error — anonymously, for `signIn`.
 */
function refusal(nodes: readonly ASTNode[]): GraphQLError {
  const error = new DomainError(ErrorCode.INVALID_INPUT);
  // Refused before execution, as an invalid variable is: HTTP 400 (Apollo reads `http` and removes it).
  return new GraphQLError(error.message, { nodes, originalError: error, extensions: { http: { status: 400 } } });
}

/** Refuses every string literal holding U+0000: arguments, input object fields, list items and variable defaults alike. */
export const storableTextRule: ValidationRule = (context) => ({
  StringValue(node) {
    if (!isStorableText(node.value)) context.reportError(refusal([node]));
  },
});

/** Whether a value parsed from JSON holds a string with U+0000 at any depth (iteratively: nesting depth costs no stack). */
function holdsUnstorableText(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (!isStorableText(next)) return true;
    } else if (Array.isArray(next)) {
      // One push per item: spreading a list of a million items would exceed the arguments a call takes.
      for (const item of next) pending.push(item);
    } else if (next !== null && typeof next === 'object' && Object.getPrototypeOf(next) === Object.prototype) {
      // Plain objects only: an upload (graphql-upload's `Upload`) is not text.
      for (const item of Object.values(next)) pending.push(item);
    }
  }
  return false;
}

/** The refusal of the first variable the operation declares whose value holds U+0000; undefined when there is none. */
export function unstorableTextInVariables(
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): GraphQLError | undefined {
  if (!variables) return undefined;
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (Object.hasOwn(variables, name) && holdsUnstorableText(variables[name])) return refusal([definition]);
  }
  return undefined;
}

/** Applies `unstorableTextInVariables` to every operation Apollo runs (HTTP, and the console's server-side render). */
export function storableTextPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request }) {
          // Apollo resolves the operation before this hook, or answers without calling it.
          const refused = operation && unstorableTextInVariables(operation, request.variables);
          if (refused) throw refused;
        },
      };
    },
  };
}
