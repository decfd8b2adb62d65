import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { CertificateChange } from '../certificates/certificate-change.entity.js';
import { Certificate } from '../certificates/certificate.entity.js';
import { Role } from '../common/actor.js';
import { pageSize } from '../common/cursor-pagination.js';
import type { Services } from '../domain-module.js';
import type { RequestContext } from '../graphql/request-context.js';
import { Organization } from '../organizations/organization.entity.js';
import { BackupApplication } from './backup-application.entity.js';
import type { BackupApplicationService } from './backup-application.service.js';

@Resolver(() => BackupApplication)
export class BackupApplicationResolver {
  private readonly applications: BackupApplicationService;

  constructor({ applications }: Services) {
    this.applications = applications;
  }

  @Authorized(Role.VIEWER)
  @Query(() => BackupApplication, {
    nullable: true,
    description:
      'One backup application by its id in this server (`BackupApplication.id`), or null when there is none (or the caller may not see it).',
  })
  backupApplication(@Arg('id', () => ID, { description: 'Id of the backup application record.' }) id: string, @Ctx() { actor }: RequestContext) {
    return this.applications.findById(actor, id);
  }

  @FieldResolver(() => Certificate, {
    nullable: true,
    description: 'The certificate the application signs in with; null when none is configured ("Not configured").',
  })
  certificate(@Root() application: BackupApplication, @Ctx() { loaders }: RequestContext) {
    // Loaded with the application when its list was read with certificates.
    if (application.certificate !== undefined) return application.certificate;
    return application.certificateId ? loaders.certificate.load(application.certificateId) : null;
  }

  @FieldResolver(() => Organization, { description: 'The organization the application belongs to.' })
  organization(@Root() application: BackupApplication, @Ctx() { loaders }: RequestContext) {
    return loaders.organization.load(application.organizationId);
  }

  @FieldResolver(() => [CertificateChange], {
    description: "History of the application's certificate, newest change first: its newest `first` changes (the audit log keeps every one).",
  })
  certificateHistory(
    @Root() application: BackupApplication,
    @Arg('first', () => Int, { nullable: true, description: 'How many of the newest changes, 1 to 100 (default 50).' })
    first: number | null | undefined,
    @Ctx() { loaders }: RequestContext,
  ) {
    return loaders.certificateHistory(pageSize(first)).load(application.id);
  }
}
