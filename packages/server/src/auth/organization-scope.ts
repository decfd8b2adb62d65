import { ErrorCode } from '@bam/shared';
import type { EntityManager } from 'typeorm';
import { Role } from '../common/actor.js';
import { DomainError } from '../common/domain-error.js';
import { isUuid, normalizeUuid } from '../common/uuid.js';

/**
 * Checks the organizations an account or token is limited to: every one must exist, and
 * administrators are never limited (they manage accounts, which would reach past any limit).
 * Returns them normalized, or null for all organizations. An empty list limits to none.
 */
export async function checkOrganizationScope(
  manager: EntityManager,
  role: Role,
  organizationIds: readonly string[] | null,
): Promise<string[] | null> {
  if (organizationIds === null) return null;
  checkAdministratorScope(role, organizationIds);
  return holdOrganizations(manager, organizationIds);
}

/** Refuses a limit for an administrator. */
export function checkAdministratorScope(role: Role, organizationIds: readonly string[] | null): void {
  if (organizationIds !== null && role === Role.ADMINISTRATOR) throw new DomainError(ErrorCode.ADMINISTRATOR_SCOPE_INVALID);
}

/**
 * The organizations, normalized, each of which must exist. They stay locked against removal
 * (`FOR KEY SHARE`) until the transaction ends: removeOrganization takes an organization out of every
 * account's and token's limit, so a limit being saved meanwhile must not name it afterwards.
 */
export async function holdOrganizations(manager: EntityManager, organizationIds: readonly string[]): Promise<string[]> {
  const ids = [...new Set(organizationIds.map(normalizeUuid))];
  const wellFormed = ids.filter(isUuid);
  const found: { id: string }[] = wellFormed.length
    ? await manager.query(`SELECT id FROM organizations WHERE id = ANY($1::uuid[]) ORDER BY id FOR KEY SHARE`, [wellFormed])
    : [];
  const unknown = ids.filter((id) => !found.some((organization) => organization.id === id));
  if (unknown.length > 0) throw new DomainError(ErrorCode.ORGANIZATION_NOT_FOUND, unknown);
  return ids;
}
