import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Certificate } from '../certificates/certificate.entity.js';
import { canAccessOrganization } from '../common/actor.js';
import type { RequestContext } from '../graphql/request-context.js';
import { Organization } from '../organizations/organization.entity.js';

/** What a store certificate is to Entra: the management certificate some organizations sign in with. */
@Resolver(() => Certificate)
export class EntraCertificateResolver {
  @FieldResolver(() => [Organization], {
    description:
      'The organizations whose Entra management application signs in with this certificate (of those the caller may see): it cannot leave the store while one does. Apart from `usedBy`, which lists backup applications.',
  })
  async managedOrganizations(@Root() certificate: Certificate, @Ctx() { loaders, actor }: RequestContext): Promise<Organization[]> {
    const connections = await loaders.entraConnectionsByManagementCertificate.load(certificate.id);
    const visible = connections.filter((connection) => canAccessOrganization(actor, connection.organizationId));
    const organizations = await loaders.organization.loadMany(visible.map((connection) => connection.organizationId));
    return organizations.filter((organization): organization is Organization => organization instanceof Organization);
  }
}
