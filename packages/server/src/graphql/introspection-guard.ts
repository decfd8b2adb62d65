import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode, errorMessages } from '@bam/shared';
import { BREAK, type DocumentNode, GraphQLError, visit } from 'graphql';
import type { RequestContext } from './request-context.js';

function introspects(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** Introspection is for signed-in callers (the playground, codegen with a token): anonymous ones learn nothing of the API. */
export function anonymousIntrospectionGuard(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document }) {
          if (contextValue.actor.role === null && introspects(document)) {
            throw new GraphQLError(errorMessages[ErrorCode.UNAUTHENTICATED], {
              extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } },
            });
          }
        },
      };
    },
  };
}
