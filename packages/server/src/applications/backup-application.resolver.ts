import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { CertificateChange } from '../certificates/certificate-change.entity.js';
import { Certificate } from '../certificates/certificate.entity.js';
import type { RequestContext } from '../graphql/request-context.js';
import { Organization } from '../organizations/organization.entity.js';
import { BackupApplication } from './backup-application.entity.js';

@Resolver(() => BackupApplication)
export class BackupApplicationResolver {
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

  @FieldResolver(() => [CertificateChange], { description: "History of the application's certificate, newest change first." })
  certificateHistory(@Root() application: BackupApplication, @Ctx() { loaders }: RequestContext) {
    return loaders.certificateChangesByApplication.load(application.id);
  }
}
