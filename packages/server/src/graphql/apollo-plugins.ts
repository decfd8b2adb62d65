import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerErrorCode, unwrapResolverError } from '@apollo/server/errors';
import { ErrorCode, errorMessages } from '@bam/shared';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ClientGoneError } from '../common/client-gone-error.js';
import { DomainError } from '../common/domain-error.js';
import { currentLogContext } from '../logging/log-context.js';
import type { Logger } from '../logging/logger.js';
import { exceedsTokenLimit } from './operation-limits.js';

/** The domain error behind a GraphQL error: thrown by a resolver, or reported by a validation rule (see `limitError`). */
function domainErrorOf(error: unknown): DomainError | undefined {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) return original;
  if (original instanceof GraphQLError && original.originalError instanceof DomainError) return original.originalError;
  return undefined;
}

/**
 * The one place errors become GraphQL errors, for HTTP and WebSocket alike. Domain errors keep their
 * code; unexpected ones are logged in full and reach the client only as INTERNAL_ERROR, so no
 * internal detail leaks; and no message suggests field names to someone probing the schema.
 */
export function formatGraphQLError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const domainError = domainErrorOf(error);
    if (domainError) {
      return { ...formatted, message: domainError.message, extensions: { code: domainError.code, ids: [...domainError.ids] } };
    }
    if (
      formatted.extensions?.code === ApolloServerErrorCode.GRAPHQL_PARSE_FAILED &&
      error instanceof GraphQLError &&
      error.source &&
      exceedsTokenLimit(error.source.body)
    ) {
      return { message: errorMessages[ErrorCode.QUERY_TOO_LARGE], extensions: { code: ErrorCode.QUERY_TOO_LARGE } };
    }
    if (formatted.extensions?.code === ApolloServerErrorCode.INTERNAL_SERVER_ERROR) {
      const original = unwrapResolverError(error);
      if (original instanceof ClientGoneError) logger.info({ path: formatted.path }, 'client went away before its answer; work stopped');
      else logger.error({ err: original, path: formatted.path }, 'unexpected error while executing an operation');
      // The id of the HTTP request or WebSocket operation, which names the log line above.
      const requestId = currentLogContext()?.requestId;
      return {
        message: errorMessages[ErrorCode.INTERNAL_ERROR],
        path: formatted.path,
        extensions: requestId ? { code: ErrorCode.INTERNAL_ERROR, requestId } : { code: ErrorCode.INTERNAL_ERROR },
      };
    }
    return { ...formatted, message: formatted.message.replace(/ Did you mean .*$/s, '') };
  };
}

/** One structured log line per operation: its name, duration and outcome — never its variables. */
export function operationLogPlugin(logger: Logger): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const startedAt = performance.now();
      return {
        async willSendResponse({ operationName, operation, errors }) {
          logger.debug(
            {
              operationName: operationName ?? null,
              operation: operation?.operation ?? null,
              durationMs: Math.round((performance.now() - startedAt) * 10) / 10,
              errorCount: errors?.length ?? 0,
            },
            'graphql operation',
          );
        },
      };
    },
  };
}
