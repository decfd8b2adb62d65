import { ErrorCode } from '@bam/shared';
import type { DataSource } from 'typeorm';
import { type Actor, canAccessOrganization } from '../common/actor.js';
import { DomainError } from '../common/domain-error.js';
import { containsPattern } from '../common/like-pattern.js';
import { plainRows } from '../common/plain-rows.js';
import { isUuid } from '../common/uuid.js';
import { type Connection, decodeCursor, encodeCursor, type PageRequest, pageSize } from '../common/cursor-pagination.js';
import { Organization } from './organization.entity.js';

export interface OrganizationListOptions extends PageRequest {
  nameContains?: string | null;
}

/** `WHERE` with every condition, or nothing. */
function whereClause(conditions: readonly string[]): string {
  return conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
}

export class OrganizationService {
  constructor(private readonly dataSource: DataSource) {}

  /** Organizations the actor may see, ordered by name, one page at a time (keyset pagination on name and id). */
  async list(actor: Actor, { first, after, nameContains }: OrganizationListOptions): Promise<Connection<Organization>> {
    const size = pageSize(first);
    // Plain SQL: the console reads this list on every view, and TypeORM's query builder cost more CPU than the statement.
    const parameters: unknown[] = [];
    const parameter = (value: unknown) => `$${parameters.push(value)}`;
    const conditions: string[] = [];
    if (actor.organizationIds !== null) conditions.push(`id = ANY(${parameter([...actor.organizationIds])})`);
    const filter = nameContains?.trim();
    if (filter) conditions.push(`name ILIKE ${parameter(containsPattern(filter))}`);
    const count = { where: whereClause(conditions), parameters: [...parameters] };

    if (after) {
      const [name, id] = decodeCursor(after, 2) as [string, string];
      if (!isUuid(id)) throw new DomainError(ErrorCode.INVALID_CURSOR);
      conditions.push(`(name, id) > (${parameter(name)}, ${parameter(id)})`);
    }
    const rows = await plainRows(this.dataSource, Organization).select(
      `${whereClause(conditions)} ORDER BY name ASC, id ASC LIMIT ${parameter(size + 1)}`,
      parameters,
    );

    const page = rows.slice(0, size);
    const edges = page.map((node) => ({ cursor: encodeCursor([node.name, node.id]), node }));
    let totalCount: Promise<number> | undefined;
    const countAll = async () => {
      const [row]: { total: number }[] = await this.dataSource.query(
        `SELECT COUNT(*)::int AS total FROM organizations ${count.where}`,
        count.parameters,
      );
      return row!.total;
    };
    return {
      edges,
      pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null },
      // Counting costs a statement: only when the field is read, i.e. when the client selected it.
      get totalCount() {
        return (totalCount ??= countAll());
      },
    };
  }

  /** The organization, or null when there is none or it is outside the actor's scope. */
  async findById(actor: Actor, id: string): Promise<Organization | null> {
    if (!isUuid(id) || !canAccessOrganization(actor, id)) return null;
    return this.dataSource.getRepository(Organization).findOneBy({ id });
  }
}
