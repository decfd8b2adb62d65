import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ErrorCode, errorMessages } from '@bam/shared';
import type { GraphQLFormattedError } from 'graphql';
import { DomainError } from '../common/domain-error.js';
import type { Logger } from '../logging/logger.js';

/**
 * The one place errors become GraphQL errors. Domain errors keep their code; unexpected ones are
 * logged in full and reach the client only as INTERNAL_ERROR, so no internal detail leaks.
 */
export function formatGraphQLError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof DomainError) {
      return { ...formatted, message: original.message, extensions: { code: original.code, ids: [...original.ids] } };
    }
    if (formatted.extensions?.code === 'INTERNAL_SERVER_ERROR') {
      logger.error({ err: original, path: formatted.path }, 'unexpected error while executing an operation');
      return {
        message: errorMessages[ErrorCode.INTERNAL_ERROR],
        path: formatted.path,
        extensions: { code: ErrorCode.INTERNAL_ERROR },
      };
    }
    return formatted;
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
