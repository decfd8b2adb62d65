import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { ErrorCode, errorMessages } from '@bam/shared';
import { GraphQLError } from 'graphql';
import type { RequestContext } from './request-context.js';

/**
 * The refusal of a document that does not tell which operation to run: several operations and no
 * `operationName`, or an `operationName` it has no operation of. The same over WebSocket and HTTP
 * (which adds its status as `extensions.http`, which Apollo takes out of the answer).
 */
export const noOperationToRun = (extensions: Record<string, unknown> = {}) =>
  new GraphQLError('The document names no operation to run.', {
    extensions: { code: ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE, ...extensions },
  });

/**
 * Refuses, before anything runs, the HTTP operations the executor must never see. Without a gateway Apollo
 * refuses an unresolved operation itself; with ours (graphql-jit, `compiled-execution.ts`) it hands it on,
 * and reading it failed as an unexpected error. A subscription needs a stream HTTP does not give here: it
 * ran its field once as a query, failing in the resolver. An anonymous caller is told to sign in first, as
 * for any subscription (the WebSocket itself needs a credential). GET requests of a mutation or subscription
 * are refused by Apollo before this (405).
 */
export function httpOperationGuard(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (!operation) throw noOperationToRun({ http: { status: 400 } });
          if (operation.operation !== 'subscription') return;
          if (contextValue.actor.role === null) {
            throw new GraphQLError(errorMessages[ErrorCode.UNAUTHENTICATED], {
              extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } },
            });
          }
          throw new GraphQLError(errorMessages[ErrorCode.SUBSCRIPTION_OVER_HTTP], {
            extensions: { code: ErrorCode.SUBSCRIPTION_OVER_HTTP, http: { status: 400 } },
          });
        },
      };
    },
  };
}
