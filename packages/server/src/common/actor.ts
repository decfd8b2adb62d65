import { ErrorCode } from '@bam/shared';
import { DomainError } from './domain-error.js';

/** What an account or API token may do; each role includes the ones before it. */
export enum Role {
  /** Reads everything the API shows (no secret is ever shown). */
  VIEWER = 'VIEWER',
  /** Also changes certificates and applications and manages the certificate store. */
  OPERATOR = 'OPERATOR',
  /** Also manages accounts, API tokens and reads the audit log; never limited to some organizations. */
  ADMINISTRATOR = 'ADMINISTRATOR',
}

const roleRank: Record<Role, number> = { [Role.VIEWER]: 1, [Role.OPERATOR]: 2, [Role.ADMINISTRATOR]: 3 };

/** Whether `role` includes everything `required` may do. */
export function roleIncludes(role: Role, required: Role): boolean {
  return roleRank[role] >= roleRank[required];
}

/** Who acts: a signed-in account, an API token, the server itself (command line, start-up), or nobody. */
export type ActorKind = 'USER' | 'TOKEN' | 'SYSTEM' | 'ANONYMOUS';

/** Where a request came from, for the audit log. */
export interface RequestOrigin {
  readonly clientIp: string | null;
  readonly userAgent: string | null;
}

/** Who makes a change or reads data. Services take it to scope reads and to record changes. */
export interface Actor {
  /** Stable identifier written to history records: `user:<username>`, `token:<token id>`, `system` or `anonymous`. */
  readonly id: string;
  readonly kind: ActorKind;
  /** Username, token name, or the kind for the others. */
  readonly name: string;
  /** Null: anonymous. */
  readonly role: Role | null;
  /** Organizations the actor may see and act on; null: all of them. */
  readonly organizationIds: readonly string[] | null;
  /** A signed-in account whose password must change before anything else. */
  readonly mustChangePassword: boolean;
  /** The account (USER) or token (TOKEN) record, and the session of a USER signed in with a cookie. */
  readonly userId: string | null;
  readonly tokenId: string | null;
  readonly sessionId: string | null;
  readonly origin: RequestOrigin;
}

const noOrigin: RequestOrigin = Object.freeze({ clientIp: null, userAgent: null });

/** The server itself: start-up work and command-line tools. */
export const systemActor: Actor = Object.freeze({
  id: 'system',
  kind: 'SYSTEM',
  name: 'system',
  role: Role.ADMINISTRATOR,
  organizationIds: null,
  mustChangePassword: false,
  userId: null,
  tokenId: null,
  sessionId: null,
  origin: noOrigin,
});

/** A request without a valid session or token. */
export function anonymousActor(origin: RequestOrigin = noOrigin): Actor {
  return { ...systemActor, id: 'anonymous', kind: 'ANONYMOUS', name: 'anonymous', role: null, origin };
}

/** Whether the actor may see the organization; outside its scope an organization does not exist for it. */
export function canAccessOrganization(actor: Actor, organizationId: string): boolean {
  return actor.organizationIds === null || actor.organizationIds.includes(organizationId.toLowerCase());
}

/** Refuses an organization outside the actor's scope exactly as one that does not exist. */
export function assertOrganizationAccess(actor: Actor, organizationId: string): void {
  if (!canAccessOrganization(actor, organizationId)) throw new DomainError(ErrorCode.ORGANIZATION_NOT_FOUND, [organizationId]);
}
