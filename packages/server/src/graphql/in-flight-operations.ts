import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ErrorCode, errorMessages } from '@bam/shared';
import { GraphQLError, type OperationDefinitionNode } from 'graphql';
import type { InFlightEntry } from '../common/in-flight-work.js';

/** The coded refusal of a new operation while the server stops. */
export const shuttingDownError = () =>
  new GraphQLError(errorMessages[ErrorCode.SERVER_SHUTTING_DOWN], { extensions: { code: ErrorCode.SERVER_SHUTTING_DOWN } });

/** How cut work is named in the log: the operation's type and name (its root fields when anonymous), never its variables. */
export function operationLabel(operation: OperationDefinitionNode): string {
  if (operation.name) return `${operation.operation} ${operation.name.value}`;
  const fields = operation.selectionSet.selections.map((selection) => (selection.kind === 'Field' ? selection.name.value : '…'));
  return `${operation.operation} { ${fields.join(' ')} }`;
}

/** Names an HTTP request's in-flight entry after the GraphQL operation it carries, once Apollo has resolved it. */
export function inFlightOperationNames<Context extends BaseContext>(
  entryOf: (context: Context) => InFlightEntry | undefined,
): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      return {
        async didResolveOperation({ operation }) {
          const entry = entryOf(contextValue);
          if (entry && operation) entry.name = operationLabel(operation);
        },
      };
    },
  };
}
