import GraphQLUpload from 'graphql-upload/GraphQLUpload.mjs';
import { Arg, Authorized, Ctx, Extensions, Field, ID, InputType, Mutation, ObjectType, Resolver } from 'type-graphql';
import { BackupApplication } from '../applications/backup-application.entity.js';
import { Role } from '../common/actor.js';
import type { Services } from '../domain-module.js';
import { MutationError, toPayload } from '../graphql/mutation-error.type.js';
import { oncePerDocument } from '../graphql/once-per-document.rule.js';
import type { RequestContext } from '../graphql/request-context.js';
import type { UploadedFile } from '../http/multipart-upload.js';
import { Certificate } from './certificate.entity.js';
import type { RotationProgressService } from './rotation-progress.js';
import type { UpdateCertificateService } from './update-certificate.service.js';

@InputType({ description: 'An application to give the certificate, with the certificate the client saw on it.' })
class CertificateUpdateTarget {
  @Field(() => ID, { description: 'Application (client) id.' })
  applicationId: string;

  @Field(() => String, {
    nullable: true,
    description:
      'Thumbprint of the certificate the client saw on the application; null: it saw "Not configured"; omitted: no check. ' +
      'When the application has another certificate now, nothing changes and the error is CERTIFICATE_CONFLICT.',
  })
  expectedThumbprint?: string | null;
}

@InputType({ description: 'A PFX file and its password.' })
class PfxFileInput {
  @Field(() => GraphQLUpload, { description: 'The PFX (PKCS#12) file, sent as a GraphQL multipart request.' })
  file: Promise<UploadedFile>;

  @Field(() => String, { nullable: true, description: 'Password of the file; omit or leave empty when it has none.' })
  password?: string | null;
}

@InputType({ description: 'Which applications get which certificate. Name exactly one source: a store certificate or a PFX file.' })
class UpdateCertificateInput {
  @Field(() => ID, { description: 'Id of the organization the applications belong to.' })
  organizationId: string;

  @Field(() => [CertificateUpdateTarget], { description: 'The applications to update (several: bulk rotation, all or nothing).' })
  applications: CertificateUpdateTarget[];

  @Field(() => ID, { nullable: true, description: 'A usable certificate of the store (Personal, private key present and exportable).' })
  storeCertificateId?: string | null;

  @Field(() => PfxFileInput, {
    nullable: true,
    description: 'A PFX file holding the certificate and its private key; it joins the store with the change (a refused update adds nothing).',
  })
  pfx?: PfxFileInput | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'Organizations connected to Entra only: the certificate is already registered on the Entra applications (uploaded in the portal), so the server does not register it — it still proves sign-in before switching.',
  })
  skipRegistration?: boolean | null;

  @Field(() => ID, {
    nullable: true,
    description:
      'A fresh UUID the client chose for this update, to follow its steps with `certificateRotationProgress(operationId)` (subscribe first, wait for LISTENING, then send this mutation). Omit when not following.',
  })
  operationId?: string | null;
}

@ObjectType({ description: 'Result of updateCertificate: every application updated, or none and `errors` says why.' })
class UpdateCertificatePayload {
  @Field(() => [BackupApplication], { description: 'The applications, now with the new certificate; empty on failure.' })
  applications: BackupApplication[];

  @Field(() => Certificate, { nullable: true, description: 'The certificate set; null on failure.' })
  certificate: Certificate | null;

  @Field(() => [MutationError], { description: 'Why nothing changed; empty on success.' })
  errors: MutationError[];
}

@Resolver()
export class UpdateCertificateResolver {
  private readonly updates: UpdateCertificateService;

  private readonly progress: RotationProgressService;

  constructor({ certificateUpdates, rotationProgress }: Services) {
    this.updates = certificateUpdates;
    this.progress = rotationProgress;
  }

  // It may read a PFX file: one per request.
  @Extensions(oncePerDocument)
  @Authorized(Role.OPERATOR)
  @Mutation(() => UpdateCertificatePayload, {
    description:
      'Sets a certificate — from the certificate store or from a PFX file — on one or many applications of an organization, all or nothing. ' +
      'For an organization connected to Entra (`entraConnected`) this is a safe rotation: the new key is registered on each Entra application and ' +
      'proven to sign in before the switch, and the old key is removed after; on failure the new keys are withdrawn and nothing changes. ' +
      'An organization’s management application is refused (APPLICATION_IS_MANAGEMENT_APPLICATION): its old key is the one the server signs in with. ' +
      'For other organizations only this server’s configuration changes.',
  })
  updateCertificate(
    @Arg('input', () => UpdateCertificateInput, { description: 'Organization, applications and the certificate source.' })
    input: UpdateCertificateInput,
    @Ctx() { actor, signal }: RequestContext,
  ): Promise<UpdateCertificatePayload> {
    return toPayload<Omit<UpdateCertificatePayload, 'errors'>>(
      async () => {
        const progress = this.progress.reporter(input.operationId, actor, input.organizationId);
        const pfx = input.pfx && { content: (await input.pfx.file).content, password: input.pfx.password };
        return this.updates.update(
          input.organizationId,
          input.applications,
          { storeCertificateId: input.storeCertificateId, pfx, skipRegistration: input.skipRegistration },
          actor,
          { signal, operationId: input.operationId, progress },
        );
      },
      { applications: [], certificate: null },
    );
  }
}
