import { ErrorCode } from '@bam/shared';
import type { AuthCheckerFn } from 'type-graphql';
import { type Role, roleIncludes } from '../common/actor.js';
import { DomainError } from '../common/domain-error.js';
import type { RequestContext } from './request-context.js';

/** `@Authorized(SELF_SERVICE)`: any signed-in caller, even one that must change its password first. */
export const SELF_SERVICE = 'SELF_SERVICE';

/** What `@Authorized(...)` takes: the least role that may use the field, or {@link SELF_SERVICE}. No argument: any role. */
export type Access = Role | typeof SELF_SERVICE;

/**
 * The one place authorization is decided, for every field marked `@Authorized` (every root field
 * but `signIn` and `me`). Refusals are coded errors: UNAUTHENTICATED, PASSWORD_CHANGE_REQUIRED, FORBIDDEN.
 */
export const authChecker: AuthCheckerFn<RequestContext, Access> = ({ context: { actor } }, access) => {
  if (actor.role === null) throw new DomainError(ErrorCode.UNAUTHENTICATED);
  if (access.includes(SELF_SERVICE)) return true;
  if (actor.mustChangePassword) throw new DomainError(ErrorCode.PASSWORD_CHANGE_REQUIRED);
  const role = actor.role;
  const allowed = access.length === 0 || access.some((required) => required !== SELF_SERVICE && roleIncludes(role, required));
  if (!allowed) throw new DomainError(ErrorCode.FORBIDDEN);
  return true;
};
