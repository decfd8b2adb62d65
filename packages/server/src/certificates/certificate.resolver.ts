import { CertificateStatus, certificateStatus } from '@bam/shared';
import { FieldResolver, registerEnumType, Resolver, Root } from 'type-graphql';
import { Certificate } from './certificate.entity.js';

registerEnumType(CertificateStatus, {
  name: 'CertificateStatus',
  description: 'Where a certificate stands in its validity period.',
  valuesConfig: {
    VALID: { description: 'Valid now and for more than 30 days.' },
    EXPIRING_SOON: { description: 'Valid now, but expires within 30 days.' },
    EXPIRED: { description: 'Past its expiry date: sign-ins with it fail.' },
    NOT_YET_VALID: { description: 'Its validity period has not started yet.' },
  },
});

@Resolver(() => Certificate)
export class CertificateResolver {
  @FieldResolver(() => CertificateStatus, { description: 'Validity status now, derived from the validity period.' })
  status(@Root() certificate: Certificate): CertificateStatus {
    return certificateStatus(certificate);
  }
}
