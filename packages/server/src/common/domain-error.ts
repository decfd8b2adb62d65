import { errorMessages, type ErrorCode } from '@bam/shared';

/**
 * An expected failure: bad input or a rule the request breaks. Mutations report it in their
 * payload's `errors`; queries as a GraphQL error with `extensions.code`. Its message is the plain
 * text for the code, so it never carries request data such as a password.
 */
export class DomainError extends Error {
  override name = 'DomainError';

  constructor(
    readonly code: ErrorCode,
    /** The input items (ids, file names) the error concerns, when it concerns particular ones. */
    readonly ids: readonly string[] = [],
    message: string = errorMessages[code],
  ) {
    super(message);
  }
}
