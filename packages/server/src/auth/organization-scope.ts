import { ErrorCode } from '@bam/shared';
import { type EntityManager, In } from 'typeorm';
import { Role } from '../common/actor.js';
import { DomainError } from '../common/domain-error.js';
import { isUuid, normalizeUuid } from '../common/uuid.js';
import { Organization } from '../organizations/organization.entity.js';

/**
 * Checks the organizations an account or token is limited to: every one must exist, and
 * administrators are never limited (they manage accounts, which would reach past any limit).
 * Returns them normalized, or null for all organizations.
 */
export async function checkOrganizationScope(
  manager: EntityManager,
  role: Role,
  organizationIds: readonly string[] | null,
): Promise<string[] | null> {
  if (organizationIds === null) return null;
  if (role === Role.ADMINISTRATOR) throw new DomainError(ErrorCode.ADMINISTRATOR_SCOPE_INVALID);
  const ids = [...new Set(organizationIds.map(normalizeUuid))];
  const wellFormed = ids.filter(isUuid);
  const found = wellFormed.length ? await manager.findBy(Organization, { id: In(wellFormed) }) : [];
  const unknown = ids.filter((id) => !found.some((organization) => organization.id === id));
  if (unknown.length > 0) throw new DomainError(ErrorCode.ORGANIZATION_NOT_FOUND, unknown);
  return ids;
}
