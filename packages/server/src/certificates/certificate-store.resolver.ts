import GraphQLUpload from 'graphql-upload/GraphQLUpload.mjs';
import { Arg, Authorized, Ctx, Extensions, Field, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { Role } from '../common/actor.js';
import type { Services } from '../domain-module.js';
import { MutationError, toPayload } from '../graphql/mutation-error.type.js';
import { oncePerDocument } from '../graphql/once-per-document.rule.js';
import type { RequestContext } from '../graphql/request-context.js';
import type { UploadedFile } from '../http/multipart-upload.js';
import type { CertificateStoreService } from './certificate-store.service.js';
import { Certificate, CertificateSource, CertificateStoreName } from './certificate.entity.js';

@InputType({ description: 'Narrows the certificates of the store listed.' })
class CertificateStoreFilter {
  @Field(() => String, { nullable: true, description: 'Text found in Issued To, Issued By or the subject, or the start of the thumbprint.' })
  search?: string | null;

  @Field(() => CertificateStoreName, { nullable: true, description: 'Only certificates in this store.' })
  store?: CertificateStoreName | null;

  @Field(() => Boolean, { nullable: true, description: 'Only certificates that can be set on an application now.' })
  usableOnly?: boolean | null;
}

@ObjectType({ description: 'Limits of this server that clients check before sending.' })
export class ServerLimits {
  @Field(() => Int, { description: 'Largest PFX file accepted, in bytes.' })
  pfxMaxBytes: number;
}

@InputType({ description: 'A PFX file to import into the certificate store.' })
class ImportCertificateInput {
  @Field(() => GraphQLUpload, { description: 'The PFX (PKCS#12) file, sent as a GraphQL multipart request.' })
  file: Promise<UploadedFile>;

  @Field(() => String, { nullable: true, description: 'Password of the file; omit or leave empty when it has none.' })
  password?: string | null;

  @Field(() => Boolean, { defaultValue: true, description: 'Whether the private key may be exported. Applications can only use exportable keys.' })
  keyExportable: boolean;
}

@ObjectType({ description: 'Result of importCertificate.' })
class ImportCertificatePayload {
  @Field(() => Certificate, { nullable: true, description: 'The certificate imported into the Personal store; null on failure.' })
  certificate: Certificate | null;

  @Field(() => [Certificate], { description: 'Chain certificates of the file, in the Intermediate or Trusted Root store.' })
  chain: Certificate[];

  @Field(() => [MutationError], { description: 'Why nothing was imported; empty on success.' })
  errors: MutationError[];
}

@InputType({ description: 'A self-signed RSA certificate to generate into the Personal store.' })
class GenerateCertificateInput {
  @Field(() => String, {
    description: 'Common name of the subject (CN): 1 to 64 characters of any script, written as a UTF8String; no control characters.',
  })
  commonName: string;

  @Field(() => String, { nullable: true, description: 'Organization of the subject (O), optional; the same characters as the common name.' })
  organization?: string | null;

  @Field(() => Date, { nullable: true, description: 'Start of validity; default: now.' })
  notBefore?: Date | null;

  @Field(() => Date, { description: 'End of validity: in the future, at most 10 years after the start.' })
  notAfter: Date;

  @Field(() => Int, { defaultValue: 2048, description: 'RSA key size in bits: 2048, 3072 or 4096.' })
  keySize: number;

  @Field(() => Boolean, { defaultValue: true, description: 'Whether the private key may be exported.' })
  keyExportable: boolean;
}

@ObjectType({ description: 'Result of generateCertificate.' })
class GenerateCertificatePayload {
  @Field(() => Certificate, { nullable: true, description: 'The generated certificate; null on failure.' })
  certificate: Certificate | null;

  @Field(() => [MutationError], { description: 'Why nothing was generated; empty on success.' })
  errors: MutationError[];
}

@InputType({ description: 'A certificate to remove from the store.' })
class RemoveStoreCertificateInput {
  @Field(() => ID, { description: 'Id of the certificate in the store.' })
  certificateId: string;
}

@ObjectType({ description: 'Result of removeStoreCertificate.' })
class RemoveStoreCertificatePayload {
  @Field(() => Certificate, { nullable: true, description: 'The certificate removed; null on failure.' })
  removedCertificate: Certificate | null;

  @Field(() => [MutationError], {
    description:
      'Why nothing was removed: STORE_CERTIFICATE_IN_USE names the applications using it, STORE_CERTIFICATE_MANAGES_ORGANIZATION the organizations whose Entra management application signs in with it, ROTATION_IN_PROGRESS the applications an unfinished rotation moves to or from it — each only those of the organizations the caller may see.',
  })
  errors: MutationError[];
}

@Resolver()
export class CertificateStoreResolver {
  private readonly store: CertificateStoreService;

  constructor({ certificateStore }: Services) {
    this.store = certificateStore;
  }

  @Authorized(Role.VIEWER)
  @Query(() => [Certificate], { description: 'The certificate store of this server: Personal certificates first, then chain certificates.' })
  certificateStore(
    @Arg('filter', () => CertificateStoreFilter, { nullable: true, description: 'Only certificates that match.' })
    filter?: CertificateStoreFilter | null,
  ) {
    return this.store.list(filter ?? {});
  }

  @Authorized(Role.VIEWER)
  @Query(() => Certificate, { nullable: true, description: 'One certificate by id, or null when there is none.' })
  certificate(@Arg('id', () => ID, { description: 'Id of the certificate.' }) id: string) {
    return this.store.findById(id);
  }

  @Authorized(Role.VIEWER)
  @Query(() => ServerLimits, { description: 'Limits clients check before sending, such as the largest PFX file.' })
  limits(): ServerLimits {
    return { pfxMaxBytes: this.store.pfxMaxBytes };
  }

  // Reading a PFX file and generating an RSA key are the server's most expensive work: one per request.
  @Extensions(oncePerDocument)
  @Authorized(Role.OPERATOR)
  @Mutation(() => ImportCertificatePayload, { description: 'Imports a PFX file (certificate, chain and private key) into the certificate store.' })
  importCertificate(
    @Arg('input', () => ImportCertificateInput, { description: 'The file, its password and whether the key is exportable.' })
    input: ImportCertificateInput,
    @Ctx() { actor, signal }: RequestContext,
  ): Promise<ImportCertificatePayload> {
    return toPayload<Omit<ImportCertificatePayload, 'errors'>>(
      async () => {
        const file = await input.file;
        return this.store.importPfx(
          file.content,
          input.password ?? '',
          { keyExportable: input.keyExportable, source: CertificateSource.PFX_IMPORT, signal },
          actor,
        );
      },
      { certificate: null, chain: [] },
    );
  }

  @Extensions(oncePerDocument)
  @Authorized(Role.OPERATOR)
  @Mutation(() => GenerateCertificatePayload, {
    description: 'Generates a self-signed RSA certificate with its private key into the Personal store.',
  })
  generateCertificate(
    @Arg('input', () => GenerateCertificateInput, { description: 'Subject, validity and key of the certificate.' }) input: GenerateCertificateInput,
    @Ctx() { actor }: RequestContext,
  ): Promise<GenerateCertificatePayload> {
    return toPayload<Omit<GenerateCertificatePayload, 'errors'>>(async () => ({ certificate: await this.store.generate(input, actor) }), {
      certificate: null,
    });
  }

  @Authorized(Role.OPERATOR)
  @Mutation(() => RemoveStoreCertificatePayload, {
    description:
      "Removes a certificate from the store. Refused while an application uses it, while it is an organization's Entra management certificate, or while an unfinished rotation needs it; rotations that finished keep its thumbprints.",
  })
  removeStoreCertificate(
    @Arg('input', () => RemoveStoreCertificateInput, { description: 'The certificate to remove.' }) input: RemoveStoreCertificateInput,
    @Ctx() { actor }: RequestContext,
  ): Promise<RemoveStoreCertificatePayload> {
    return toPayload<Omit<RemoveStoreCertificatePayload, 'errors'>>(
      async () => ({ removedCertificate: await this.store.remove(input.certificateId, actor) }),
      { removedCertificate: null },
    );
  }
}
