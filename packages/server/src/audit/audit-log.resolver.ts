import { Args, ArgsType, Authorized, Field, ID, InputType, Int, Query, Resolver } from 'type-graphql';
import { Role } from '../common/actor.js';
import type { Services } from '../domain-module.js';
import { ConnectionType } from '../graphql/connection.type.js';
import { AuditAction, AuditEntry } from './audit-entry.entity.js';
import type { AuditService } from './audit.service.js';

const AuditEntryConnection = ConnectionType(AuditEntry, 'AuditEntry');

@InputType({ description: 'Narrows the audit entries listed; every condition given must hold.' })
class AuditLogFilter {
  @Field(() => String, { nullable: true, description: 'Only entries of this actor (`user:<username>`, `token:<token id>`, `system`, `anonymous`).' })
  actorId?: string | null;

  @Field(() => [AuditAction], { nullable: true, description: 'Only entries of these actions.' })
  actions?: AuditAction[] | null;

  @Field(() => ID, { nullable: true, description: 'Only entries about this organization.' })
  organizationId?: string | null;

  @Field(() => Date, { nullable: true, description: 'Only entries at or after this time.' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Only entries before this time.' })
  to?: Date | null;
}

@ArgsType()
class AuditLogArgs {
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100 (default 50).' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Cursor after which the page starts (`pageInfo.endCursor` of the previous page).' })
  after?: string | null;

  @Field(() => AuditLogFilter, { nullable: true, description: 'Only entries that match.' })
  filter?: AuditLogFilter | null;
}

@Resolver()
export class AuditLogResolver {
  private readonly audit: AuditService;

  constructor({ audit }: Services) {
    this.audit = audit;
  }

  @Authorized(Role.ADMINISTRATOR)
  @Query(() => AuditEntryConnection, { description: 'The audit log, newest first. Administrators only.' })
  auditLog(@Args(() => AuditLogArgs) { first, after, filter }: AuditLogArgs) {
    return this.audit.list({ first, after, ...filter });
  }
}
