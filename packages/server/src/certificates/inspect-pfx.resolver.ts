import { CertificateStatus, certificateStatus, ErrorCode, errorMessages } from '@bam/shared';
import GraphQLUpload from 'graphql-upload/GraphQLUpload.mjs';
import { Arg, Authorized, Ctx, Extensions, Field, InputType, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { Role } from '../common/actor.js';
import type { Services } from '../domain-module.js';
import { oncePerDocument } from '../graphql/once-per-document.rule.js';
import type { RequestContext } from '../graphql/request-context.js';
import type { UploadedFile } from '../http/multipart-upload.js';
import { Certificate } from './certificate.entity.js';
import type { PfxInspectionService } from './pfx-inspection.service.js';

@InputType({ description: 'A PFX file to inspect, and its password.' })
class InspectPfxInput {
  @Field(() => GraphQLUpload, { description: 'The PFX (PKCS#12) file, sent as a GraphQL multipart request.' })
  file: Promise<UploadedFile>;

  @Field(() => String, { nullable: true, description: 'Password of the file; omit or leave empty when it has none.' })
  password?: string | null;
}

@ObjectType({ description: 'The certificate a PFX file holds (the one its private key belongs to), as read from the file.' })
class PfxCertificate {
  @Field(() => String, { description: 'SHA-1 thumbprint, upper-case hex without separators.' })
  thumbprint: string;

  @Field(() => String, { description: 'SHA-256 thumbprint, upper-case hex without separators.' })
  thumbprintSha256: string;

  @Field(() => String, { description: 'Distinguished name of the subject, most specific part first.' })
  subject: string;

  @Field(() => String, { description: 'Distinguished name of the issuer, most specific part first.' })
  issuer: string;

  @Field(() => String, { description: 'Common name of the subject ("Issued To"), or the whole subject when it has none.' })
  issuedTo: string;

  @Field(() => String, { description: 'Common name of the issuer ("Issued By"), or the whole issuer when it has none.' })
  issuedBy: string;

  @Field(() => String, { description: 'Serial number, upper-case hex.' })
  serialNumber: string;

  @Field(() => Date, { description: 'Start of the validity period.' })
  notBefore: Date;

  @Field(() => Date, { description: 'End of the validity period.' })
  notAfter: Date;

  @Field(() => CertificateStatus, { description: 'Validity status now, derived from the validity period.' })
  status: CertificateStatus;

  @Field(() => String, { description: 'Public key algorithm: `RSA`, `EC`, …' })
  keyAlgorithm: string;

  @Field(() => Int, { description: 'Public key size in bits (RSA modulus length, or the EC curve size).' })
  keySize: number;

  @Field(() => Boolean, { description: 'Whether the file holds the private key of this certificate.' })
  hasPrivateKey: boolean;

  @Field(() => Int, { description: 'How many other certificates (the chain) the file holds.' })
  chainLength: number;
}

@ObjectType({ description: 'Why updateCertificate would refuse a PFX file.' })
class PfxProblem {
  @Field(() => ErrorCode, { description: 'The code updateCertificate would answer with (PFX_WRONG_PASSWORD, CERTIFICATE_EXPIRED, …).' })
  code: ErrorCode;

  @Field(() => String, { description: 'Plain-language explanation for people.' })
  message: string;
}

@ObjectType({ description: 'What a PFX file holds and whether an application can use it. Inspecting stores nothing.' })
class PfxInspectionResult {
  @Field(() => PfxCertificate, { nullable: true, description: 'The certificate in the file; null when the file cannot be read (see `problems`).' })
  certificate: PfxCertificate | null;

  @Field(() => Certificate, {
    nullable: true,
    description: 'The same certificate (same thumbprint) in the certificate store, with the applications that use it; null when it is not there.',
  })
  storeCertificate: Certificate | null;

  @Field(() => [PfxProblem], {
    description:
      'Every reason updateCertificate would refuse this file with this password; the first is the error it would report. Empty: the file can be used.',
  })
  problems: PfxProblem[];
}

@Resolver()
export class InspectPfxResolver {
  private readonly inspection: PfxInspectionService;

  constructor({ pfxInspection }: Services) {
    this.inspection = pfxInspection;
  }

  // It reads a PFX file: one per request, as the mutations that read one.
  @Extensions(oncePerDocument)
  @Authorized(Role.OPERATOR)
  @Query(() => PfxInspectionResult, {
    description:
      'Reads a PFX file with its password, as updateCertificate would, and answers its certificate and its problems (wrong password, expired, weak key, …) without storing anything. ' +
      'A busy server answers SERVER_BUSY.',
  })
  async inspectPfx(
    @Arg('input', () => InspectPfxInput, { description: 'The file and its password.' }) input: InspectPfxInput,
    @Ctx() { actor, signal }: RequestContext,
  ): Promise<PfxInspectionResult> {
    const file = input.file.then((upload) => upload.content);
    const { certificate, storeCertificate, problems } = await this.inspection.inspect(file, input.password ?? '', actor, { signal });
    return {
      certificate: certificate && { ...certificate, status: certificateStatus(certificate) },
      storeCertificate,
      problems: problems.map((code) => ({ code, message: errorMessages[code] })),
    };
  }
}
