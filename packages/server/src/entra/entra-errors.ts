import { type ErrorCode, ErrorCode as Codes, errorMessages } from '@bam/shared';
import { DomainError } from '../common/domain-error.js';
import { EntraError, type EntraFailure } from './entra-directory.js';

const codeOf: Record<EntraFailure, ErrorCode> = {
  TENANT_NOT_FOUND: Codes.ENTRA_TENANT_NOT_FOUND,
  SIGN_IN_REFUSED: Codes.ENTRA_SIGN_IN_REFUSED,
  PERMISSION_MISSING: Codes.ENTRA_PERMISSION_MISSING,
  NOT_FOUND: Codes.ENTRA_APPLICATION_NOT_FOUND,
  THROTTLED: Codes.ENTRA_THROTTLED,
  UNAVAILABLE: Codes.ENTRA_UNAVAILABLE,
  REFUSED: Codes.ENTRA_REQUEST_FAILED,
};

/**
 * The coded error for an Entra failure: `ids` names what it concerns (an application id, the tenant)
 * and then Entra's own code (`AADSTS700027`, a missing permission …), which the message repeats.
 * Anything that is not an EntraError is returned unchanged.
 */
export function entraDomainError(error: unknown, ids: readonly string[], code?: ErrorCode): unknown {
  if (!(error instanceof EntraError)) return error;
  const chosen = code ?? codeOf[error.failure];
  return new DomainError(chosen, [...ids, error.entraCode].filter(Boolean), `${errorMessages[chosen]} (Entra: ${error.entraCode})`);
}
