import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, ArgsType, Authorized, Ctx, Field, FieldResolver, ID, Info, InputType, Int, Query, Resolver, Root } from 'type-graphql';
import { BackupApplication } from '../applications/backup-application.entity.js';
import { Role } from '../common/actor.js';
import type { Services } from '../domain-module.js';
import { ConnectionType } from '../graphql/connection.type.js';
import type { RequestContext } from '../graphql/request-context.js';
import { selectedFieldsOf } from '../graphql/selection.js';
import { CertificateSummary } from './certificate-summary.type.js';
import { Organization } from './organization.entity.js';
import type { OrganizationService } from './organization.service.js';

const OrganizationConnection = ConnectionType(Organization, 'Organization');

@InputType({ description: 'Narrows the organizations listed.' })
class OrganizationFilter {
  @Field(() => String, { nullable: true, description: 'Only organizations whose name contains this text (case-insensitive).' })
  nameContains?: string | null;
}

@ArgsType()
class OrganizationsArgs {
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100 (default 50).' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Cursor after which the page starts (`pageInfo.endCursor` of the previous page).' })
  after?: string | null;

  @Field(() => OrganizationFilter, { nullable: true, description: 'Only organizations that match.' })
  filter?: OrganizationFilter | null;
}

@Resolver(() => Organization)
export class OrganizationResolver {
  private readonly organizationService: OrganizationService;

  constructor({ organizations }: Services) {
    this.organizationService = organizations;
  }

  @Authorized(Role.VIEWER)
  @Query(() => OrganizationConnection, { description: 'Organizations known to this server that the caller may see, ordered by name.' })
  organizations(@Args(() => OrganizationsArgs) { first, after, filter }: OrganizationsArgs, @Ctx() { actor }: RequestContext) {
    return this.organizationService.list(actor, { first, after, nameContains: filter?.nameContains });
  }

  @Authorized(Role.VIEWER)
  @Query(() => Organization, { nullable: true, description: 'One organization by id, or null when there is none (or the caller may not see it).' })
  organization(@Arg('id', () => ID, { description: 'Id of the organization.' }) id: string, @Ctx() { actor }: RequestContext) {
    return this.organizationService.findById(actor, id);
  }

  @FieldResolver(() => [BackupApplication], { description: "The organization's backup applications, ordered by display name." })
  backupApplications(@Root() organization: Organization, @Ctx() { loaders }: RequestContext, @Info() info: GraphQLResolveInfo) {
    // Lists that show certificates (the console's) get them in the same statement, with the columns their fields read
    // and those of `status`: the organization's certificate summary, if asked for, is counted from them.
    const certificateFields = selectedFieldsOf(info, 'certificate');
    if (!certificateFields) return loaders.applicationsByOrganization.load(organization.id);
    const applications = loaders.applicationsWithCertificatesByOrganization([...certificateFields, 'status']).load(organization.id);
    loaders.listedWithCertificates(organization.id, applications);
    return applications;
  }

  @FieldResolver(() => CertificateSummary, {
    description: "Counts of the organization's applications by certificate state, for overviews that need no application list.",
  })
  certificateSummary(@Root() organization: Organization, @Ctx() { loaders }: RequestContext) {
    return loaders.certificateSummary.load(organization.id);
  }
}
