import { CombinedGraphQLErrors } from '@apollo/client';
import { type ErrorCode, isErrorCode } from '@bam/shared';

/**
 * What went wrong with a request, reduced to what the console switches on: a known error code from
 * the server (`extensions.code` of a GraphQL error), or NETWORK when the server could not be reached
 * or answered something that is not GraphQL. Never looks at message text.
 */
export type FailureCode = ErrorCode | 'NETWORK';

export function failureCode(error: unknown): FailureCode {
  if (CombinedGraphQLErrors.is(error)) {
    const code = error.errors.map((graphQLError) => graphQLError.extensions?.code).find(isErrorCode);
    return code ?? 'INTERNAL_ERROR';
  }
  return 'NETWORK';
}
