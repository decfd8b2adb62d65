import { type ErrorCode, errorMessages } from '@bam/shared';
import { GraphQLError, type ASTNode } from 'graphql';
import { DomainError } from '../common/domain-error.js';

/**
 * A refusal by one of the operation limits: a GraphQL error carrying a DomainError, so the one
 * formatter (`formatGraphQLError`) gives it its code on every transport. `detail` names the limit.
 */
export function limitError(code: ErrorCode, detail: string, nodes?: readonly ASTNode[]): GraphQLError {
  const message = `${errorMessages[code]} ${detail}`;
  return new GraphQLError(message, { ...(nodes ? { nodes } : {}), originalError: new DomainError(code, [], message) });
}
