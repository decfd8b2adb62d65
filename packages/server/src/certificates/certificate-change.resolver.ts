import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../graphql/request-context.js';
import { CertificateChange } from './certificate-change.entity.js';
import { Certificate } from './certificate.entity.js';

@Resolver(() => CertificateChange)
export class CertificateChangeResolver {
  @FieldResolver(() => Certificate, { nullable: true, description: 'The certificate set; null once it has been removed from the store.' })
  certificate(@Root() change: CertificateChange, @Ctx() { loaders }: RequestContext) {
    return change.certificateId ? loaders.certificate.load(change.certificateId) : null;
  }
}
