import { ErrorCode } from '@bam/shared';
import type { DataSource } from 'typeorm';
import { type Actor, canAccessOrganization } from '../common/actor.js';
import { DomainError } from '../common/domain-error.js';
import { containsPattern } from '../common/like-pattern.js';
import { isUuid } from '../common/uuid.js';
import { type Connection, decodeCursor, encodeCursor, type PageRequest, pageSize } from '../common/cursor-pagination.js';
import { Organization } from './organization.entity.js';

export interface OrganizationListOptions extends PageRequest {
  nameContains?: string | null;
}

export class OrganizationService {
  constructor(private readonly dataSource: DataSource) {}

  /** Organizations the actor may see, ordered by name, one page at a time (keyset pagination on name and id). */
  async list(actor: Actor, { first, after, nameContains }: OrganizationListOptions): Promise<Connection<Organization>> {
    const size = pageSize(first);
    const query = this.dataSource.getRepository(Organization).createQueryBuilder('organization');
    if (actor.organizationIds !== null) query.where('organization.id = ANY(:scope)', { scope: [...actor.organizationIds] });
    const filter = nameContains?.trim();
    if (filter) query.andWhere('organization.name ILIKE :pattern', { pattern: containsPattern(filter) });
    const countQuery = query.clone();

    if (after) {
      const [name, id] = decodeCursor(after, 2) as [string, string];
      if (!isUuid(id)) throw new DomainError(ErrorCode.INVALID_CURSOR);
      query.andWhere('(organization.name, organization.id) > (:name, :id)', { name, id });
    }
    const rows = await query
      .orderBy('organization.name', 'ASC')
      .addOrderBy('organization.id', 'ASC')
      .limit(size + 1)
      .getMany();

    const page = rows.slice(0, size);
    const edges = page.map((node) => ({ cursor: encodeCursor([node.name, node.id]), node }));
    let totalCount: Promise<number> | undefined;
    return {
      edges,
      pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null },
      // Counting costs a statement: only when the field is read, i.e. when the client selected it.
      get totalCount() {
        return (totalCount ??= countQuery.getCount());
      },
    };
  }

  /** The organization, or null when there is none or it is outside the actor's scope. */
  async findById(actor: Actor, id: string): Promise<Organization | null> {
    if (!isUuid(id) || !canAccessOrganization(actor, id)) return null;
    return this.dataSource.getRepository(Organization).findOneBy({ id });
  }
}
