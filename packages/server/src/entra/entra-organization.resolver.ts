import {
  Arg,
  Authorized,
  Ctx,
  Extensions,
  Field,
  FieldResolver,
  ID,
  InputType,
  Mutation,
  ObjectType,
  registerEnumType,
  Resolver,
  Root,
} from 'type-graphql';
import { Certificate } from '../certificates/certificate.entity.js';
import { entraClouds, type EntraCloudName } from '../config/config.js';
import { Role } from '../common/actor.js';
import type { Services } from '../domain-module.js';
import { MutationError, toPayload } from '../graphql/mutation-error.type.js';
import { oncePerDocument } from '../graphql/once-per-document.rule.js';
import type { RequestContext } from '../graphql/request-context.js';
import { Organization } from '../organizations/organization.entity.js';
import type { EntraOrganizationService } from './entra-organizations.service.js';

/** The national clouds of Microsoft Entra, as a GraphQL enum. */
export const EntraCloud = Object.fromEntries(entraClouds.map((cloud) => [cloud, cloud])) as { [Cloud in EntraCloudName]: Cloud };

registerEnumType(EntraCloud, {
  name: 'EntraCloud',
  description: 'The Microsoft cloud an organization lives in: each has its own Entra sign-in and Graph endpoints.',
  valuesConfig: {
    WORLDWIDE: { description: 'The global Microsoft cloud (login.microsoftonline.com, graph.microsoft.com).' },
    US_GOVERNMENT: { description: 'Microsoft Cloud for US Government L4 (login.microsoftonline.us, graph.microsoft.us).' },
    CHINA: { description: 'Microsoft Azure operated by 21Vianet (login.chinacloudapi.cn, microsoftgraph.chinacloudapi.cn).' },
  },
});

@InputType({ description: 'A Microsoft 365 tenant to add, with the management application the server signs in as.' })
class AddOrganizationInput {
  @Field(() => String, { description: 'Primary domain (`contoso.onmicrosoft.com`) or tenant id (GUID) of the tenant.' })
  tenant: string;

  @Field(() => EntraCloud, { nullable: true, description: 'The cloud of the tenant; default WORLDWIDE.' })
  cloud?: EntraCloudName | null;

  @Field(() => ID, {
    description:
      'Application (client) id of the management application: it needs the Graph application permissions Application.ReadWrite.All and Organization.Read.All, with admin consent.',
  })
  managementApplicationId: string;

  @Field(() => ID, { description: 'Id of a store certificate, with its private key, registered on the management application.' })
  managementCertificateId: string;
}

@ObjectType({ description: 'Result of addOrganization: the organization, or null and `errors` says why nothing was saved.' })
class AddOrganizationPayload {
  @Field(() => Organization, { nullable: true, description: 'The organization added; null on failure.' })
  organization: Organization | null;

  @Field(() => [MutationError], { description: 'Why nothing was saved; empty on success.' })
  errors: MutationError[];
}

@InputType({ description: 'Another management certificate (and, optionally, application) for a connected organization.' })
class UpdateOrganizationConnectionInput {
  @Field(() => ID, { description: 'Id of the organization.' })
  organizationId: string;

  @Field(() => ID, { description: 'Id of a store certificate, with its private key, registered on the management application.' })
  managementCertificateId: string;

  @Field(() => ID, {
    nullable: true,
    description:
      'Application (client) id of another management application, with the same Graph permissions as addOrganization requires, and not a backup application (APPLICATION_IS_MANAGEMENT_APPLICATION); omitted: the current one.',
  })
  managementApplicationId?: string | null;
}

@ObjectType({
  description: 'Result of updateOrganizationConnection: the organization, or null and `errors` says why its connection did not change.',
})
class UpdateOrganizationConnectionPayload {
  @Field(() => Organization, { nullable: true, description: 'The organization, signing in with its new management certificate; null on failure.' })
  organization: Organization | null;

  @Field(() => [MutationError], { description: 'Why nothing changed; empty on success.' })
  errors: MutationError[];
}

@ObjectType({ description: 'Result of removeOrganization: the organization removed, or null and `errors` says why nothing changed.' })
class RemoveOrganizationPayload {
  @Field(() => Organization, { nullable: true, description: 'The organization removed (with its applications); null on failure.' })
  organization: Organization | null;

  @Field(() => [MutationError], { description: 'Why nothing was removed; empty on success.' })
  errors: MutationError[];
}

@Resolver(() => Organization)
export class EntraOrganizationResolver {
  private readonly organizations: EntraOrganizationService;

  constructor({ entraOrganizations }: Services) {
    this.organizations = entraOrganizations;
  }

  // Each one calls Microsoft Graph: one per document, so a single request cannot multiply them.
  @Authorized(Role.ADMINISTRATOR)
  @Extensions(oncePerDocument)
  @Mutation(() => AddOrganizationPayload, {
    description:
      'Adds a Microsoft 365 organization: signs in to its tenant as the management application and checks its access through Microsoft Graph before saving anything.',
  })
  addOrganization(
    @Arg('input', () => AddOrganizationInput, { description: 'The tenant and how to sign in to it.' }) input: AddOrganizationInput,
    @Ctx() { actor }: RequestContext,
  ): Promise<AddOrganizationPayload> {
    return toPayload<{ organization: Organization | null }>(
      async () => ({
        organization: await this.organizations.add(
          {
            tenant: input.tenant,
            cloud: input.cloud ?? 'WORLDWIDE',
            managementApplicationId: input.managementApplicationId,
            managementCertificateId: input.managementCertificateId,
          },
          actor,
        ),
      }),
      { organization: null },
    );
  }

  @Authorized(Role.ADMINISTRATOR)
  @Extensions(oncePerDocument)
  @Mutation(() => UpdateOrganizationConnectionPayload, {
    description:
      "Replaces the certificate (and optionally the application) the server signs in to an organization's tenant with — the yearly management certificate rotation. Signs in with the new one and checks its access through Microsoft Graph first; nothing changes on failure. The old certificate can then leave the store.",
  })
  updateOrganizationConnection(
    @Arg('input', () => UpdateOrganizationConnectionInput, { description: 'The organization and its new management certificate.' })
    input: UpdateOrganizationConnectionInput,
    @Ctx() { actor }: RequestContext,
  ): Promise<UpdateOrganizationConnectionPayload> {
    return toPayload<{ organization: Organization | null }>(
      async () => ({
        organization: await this.organizations.updateConnection(
          {
            organizationId: input.organizationId,
            managementCertificateId: input.managementCertificateId,
            managementApplicationId: input.managementApplicationId ?? null,
          },
          actor,
        ),
      }),
      { organization: null },
    );
  }

  @Authorized(Role.ADMINISTRATOR)
  @Mutation(() => RemoveOrganizationPayload, {
    description: 'Removes an organization and all its backup applications from this server, all or nothing. Entra itself is not changed.',
  })
  removeOrganization(
    @Arg('id', () => ID, { description: 'Id of the organization.' }) id: string,
    @Ctx() { actor }: RequestContext,
  ): Promise<RemoveOrganizationPayload> {
    return toPayload<{ organization: Organization | null }>(async () => ({ organization: await this.organizations.remove(id, actor) }), {
      organization: null,
    });
  }

  @FieldResolver(() => Boolean, {
    description:
      'Whether the server manages this organization in Microsoft Entra. When false, certificate updates change only this server’s configuration: nothing is registered on the Entra applications.',
  })
  async entraConnected(@Root() organization: Organization, @Ctx() { loaders }: RequestContext): Promise<boolean> {
    return (await loaders.entraConnection.load(organization.id)) !== null;
  }

  @FieldResolver(() => EntraCloud, { nullable: true, description: 'The cloud of the Entra connection; null when not connected.' })
  async entraCloud(@Root() organization: Organization, @Ctx() { loaders }: RequestContext): Promise<EntraCloudName | null> {
    return (await loaders.entraConnection.load(organization.id))?.cloud ?? null;
  }

  @FieldResolver(() => ID, { nullable: true, description: 'Application (client) id of the management application; null when not connected.' })
  async managementApplicationId(@Root() organization: Organization, @Ctx() { loaders }: RequestContext): Promise<string | null> {
    return (await loaders.entraConnection.load(organization.id))?.managementAppId ?? null;
  }

  @FieldResolver(() => Certificate, {
    nullable: true,
    description:
      'The store certificate the management application signs in with (its expiry is when updateOrganizationConnection is due); null when not connected.',
  })
  async managementCertificate(@Root() organization: Organization, @Ctx() { loaders }: RequestContext): Promise<Certificate | null> {
    const connection = await loaders.entraConnection.load(organization.id);
    return connection ? loaders.certificate.load(connection.managementCertificateId) : null;
  }
}
