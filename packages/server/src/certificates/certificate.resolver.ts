import { CertificateStatus, certificateStatus, ErrorCode } from '@bam/shared';
import { Ctx, FieldResolver, registerEnumType, Resolver, Root } from 'type-graphql';
import { BackupApplication } from '../applications/backup-application.entity.js';
import { canAccessOrganization } from '../common/actor.js';
import type { RequestContext } from '../graphql/request-context.js';
import { unusableReason } from './certificate-store.service.js';
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

  @FieldResolver(() => Boolean, { description: 'Whether this server holds the private key (sealed; it never leaves the server).' })
  hasPrivateKey(@Root() certificate: Certificate): boolean {
    return certificate.privateKeyMasterKeyId !== null;
  }

  @FieldResolver(() => Boolean, { description: 'Whether the certificate can be set on an application now.' })
  usable(@Root() certificate: Certificate): boolean {
    return unusableReason(certificate) === null;
  }

  @FieldResolver(() => ErrorCode, {
    nullable: true,
    description:
      'Why the certificate cannot be set on an application now (a CERTIFICATE_* code, the same error updateCertificate would give); null when it can.',
  })
  unusableReason(@Root() certificate: Certificate): ErrorCode | null {
    return unusableReason(certificate);
  }

  @FieldResolver(() => String, {
    description: 'The certificate alone (no private key), PEM-encoded: what an administrator uploads to the Entra application in the portal.',
  })
  async publicCertificatePem(@Root() certificate: Certificate, @Ctx() { loaders }: RequestContext): Promise<string> {
    const base64 = (await derOf(certificate, loaders)).toString('base64').replace(/.{1,64}/g, '$&\n');
    return `-----BEGIN CERTIFICATE-----\n${base64}-----END CERTIFICATE-----\n`;
  }

  @FieldResolver(() => String, { description: 'The certificate alone, DER-encoded, in base64 (a `.cer` file; Graph keyCredential `key`).' })
  async derBase64(@Root() certificate: Certificate, @Ctx() { loaders }: RequestContext): Promise<string> {
    return (await derOf(certificate, loaders)).toString('base64');
  }

  @FieldResolver(() => [BackupApplication], {
    description: 'The applications that use this certificate now, of the organizations the caller may see.',
  })
  async usedBy(@Root() certificate: Certificate, @Ctx() { loaders, actor }: RequestContext) {
    const applications = await loaders.applicationsByCertificate.load(certificate.id);
    return applications.filter((application) => canAccessOrganization(actor, application.organizationId));
  }
}

/** Lists load certificates without their DER bytes (no other field needs them): fetch them when asked. */
async function derOf(certificate: Certificate, loaders: RequestContext['loaders']): Promise<Buffer> {
  const der = certificate.der ?? (await loaders.certificateDer.load(certificate.id))?.der;
  if (!der) throw new Error(`Certificate ${certificate.id} has no DER bytes`);
  return der;
}
