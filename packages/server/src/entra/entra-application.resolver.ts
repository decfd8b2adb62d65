import {
  Arg,
  Args,
  Authorized,
  ArgsType,
  Ctx,
  Extensions,
  Field,
  FieldResolver,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  registerEnumType,
  Resolver,
  Root,
} from 'type-graphql';
import { BackupApplication } from '../applications/backup-application.entity.js';
import { Role } from '../common/actor.js';
import type { Services } from '../domain-module.js';
import { PageInfo } from '../graphql/connection.type.js';
import { MutationError, toPayload } from '../graphql/mutation-error.type.js';
import { oncePerDocument } from '../graphql/once-per-document.rule.js';
import type { RequestContext } from '../graphql/request-context.js';
import { EntraKeyStatus } from './application-entra-check.entity.js';
import type { EntraApplicationService } from './entra-applications.service.js';

registerEnumType(EntraKeyStatus, {
  name: 'EntraKeyStatus',
  description: "Whether Microsoft Entra holds an application's current certificate, as last verified.",
  valuesConfig: {
    REGISTERED: { description: "The Entra application's keyCredentials hold the current certificate." },
    MISSING: { description: 'Drift: the Entra application does not hold the current certificate; sign-ins with it fail.' },
    APPLICATION_MISSING: { description: 'The application no longer exists in the tenant.' },
    NOT_CONFIGURED: { description: 'The application has no certificate in this server.' },
  },
});

@ObjectType({ description: 'An application registered in the organization’s Microsoft Entra tenant.' })
class EntraApplicationType {
  @Field(() => ID, { description: 'Application (client) id.' })
  appId: string;

  @Field(() => ID, { description: 'Object id of the application in Entra.' })
  id: string;

  @Field(() => String, { description: 'Display name in Entra.' })
  displayName: string;

  @Field(() => [String], { description: 'SHA-1 thumbprints of the certificates registered on the application.' })
  thumbprints: string[];
}

@ObjectType({ description: 'A page of Entra applications not yet in the backup configuration (a page may hold fewer than asked for).' })
class AvailableApplicationsPage {
  @Field(() => [EntraApplicationType], { description: 'The applications of this page.' })
  applications: EntraApplicationType[];

  @Field(() => PageInfo, { description: 'Whether more pages follow, and where the next starts.' })
  pageInfo: PageInfo;
}

@ArgsType()
class AvailableApplicationsArgs {
  @Field(() => ID, { description: 'Id of the organization (connected to Entra).' })
  organizationId: string;

  @Field(() => String, { nullable: true, description: 'Only applications whose display name starts with this text.' })
  filter?: string | null;

  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100 (default 50).' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Cursor after which the page starts (`pageInfo.endCursor` of the previous page).' })
  after?: string | null;
}

@InputType({ description: 'Entra applications to add to the backup configuration of an organization.' })
class AddApplicationsInput {
  @Field(() => ID, { description: 'Id of the organization (connected to Entra).' })
  organizationId: string;

  @Field(() => [ID], { description: 'Application (client) ids; each must exist in the tenant; at least one, each once.' })
  applicationIds: string[];
}

@InputType({ description: 'Which applications to check against Entra.' })
class VerifyApplicationsInput {
  @Field(() => ID, { description: 'Id of the organization (connected to Entra).' })
  organizationId: string;

  @Field(() => [ID], {
    nullable: true,
    description: 'Application (client) ids to check, each once; omitted or null: every application of the organization (an empty list is refused).',
  })
  applicationIds?: string[] | null;
}

@ObjectType({ description: 'Result of an Entra application mutation: the applications, or none and `errors` says why.' })
class EntraApplicationsPayload {
  @Field(() => [BackupApplication], { description: 'The applications added or verified; empty on failure.' })
  applications: BackupApplication[];

  @Field(() => [MutationError], { description: 'Why nothing changed; empty on success.' })
  errors: MutationError[];
}

@Resolver(() => BackupApplication)
export class EntraApplicationResolver {
  private readonly entraApplications: EntraApplicationService;

  constructor({ entraApplications }: Services) {
    this.entraApplications = entraApplications;
  }

  // Calls Microsoft Graph: one per document. Listing candidates to add is an Operator's task.
  @Authorized(Role.OPERATOR)
  @Extensions(oncePerDocument)
  @Query(() => AvailableApplicationsPage, {
    description:
      "The organization's Entra applications that can become backup applications — not already one, and not an organization's management application — read from Microsoft Graph a page at a time.",
  })
  async availableApplications(
    @Args(() => AvailableApplicationsArgs) { organizationId, filter, first, after }: AvailableApplicationsArgs,
    @Ctx() { actor }: RequestContext,
  ): Promise<AvailableApplicationsPage> {
    const page = await this.entraApplications.available(organizationId, { nameStartsWith: filter, first, after }, actor);
    return {
      applications: page.applications.map(({ appId, id, displayName, keys }) => ({
        appId,
        id,
        displayName,
        thumbprints: keys.map((key) => key.thumbprint),
      })),
      pageInfo: page.pageInfo,
    };
  }

  // Each one calls Microsoft Graph: one per document, so a single request cannot multiply them.
  @Authorized(Role.OPERATOR)
  @Extensions(oncePerDocument)
  @Mutation(() => EntraApplicationsPayload, {
    description:
      'Adds Entra applications of the organization to its backup configuration (Not configured), each checked in Entra; all or nothing. A management application is refused (APPLICATION_IS_MANAGEMENT_APPLICATION).',
  })
  addApplications(
    @Arg('input', () => AddApplicationsInput, { description: 'The organization and the applications to add.' }) input: AddApplicationsInput,
    @Ctx() { actor }: RequestContext,
  ): Promise<EntraApplicationsPayload> {
    return toPayload(async () => ({ applications: await this.entraApplications.add(input.organizationId, input.applicationIds, actor) }), {
      applications: [],
    });
  }

  // Each one calls Microsoft Graph: one per document, so a single request cannot multiply them.
  @Authorized(Role.OPERATOR)
  @Extensions(oncePerDocument)
  @Mutation(() => EntraApplicationsPayload, {
    description: 'Checks whether Entra holds the current certificate of the applications (drift), and records the result in `entraStatus`.',
  })
  verifyApplications(
    @Arg('input', () => VerifyApplicationsInput, { description: 'The organization and, optionally, which applications.' })
    input: VerifyApplicationsInput,
    @Ctx() { actor }: RequestContext,
  ): Promise<EntraApplicationsPayload> {
    return toPayload(async () => ({ applications: await this.entraApplications.verify(input.organizationId, input.applicationIds, actor) }), {
      applications: [],
    });
  }

  @FieldResolver(() => EntraKeyStatus, {
    nullable: true,
    description:
      'Whether Entra held the current certificate at the last check (verifyApplications or a rotation); null when never checked, or the certificate changed since.',
  })
  async entraStatus(@Root() application: BackupApplication, @Ctx() { loaders }: RequestContext): Promise<EntraKeyStatus | null> {
    return (await this.currentCheck(application, loaders))?.status ?? null;
  }

  @FieldResolver(() => Date, { nullable: true, description: 'When `entraStatus` was last verified against Entra; null when never.' })
  async lastVerifiedAt(@Root() application: BackupApplication, @Ctx() { loaders }: RequestContext): Promise<Date | null> {
    return (await this.currentCheck(application, loaders))?.verifiedAt ?? null;
  }

  /** The last check, if it was about the certificate the application has now. */
  private async currentCheck(application: BackupApplication, loaders: RequestContext['loaders']) {
    const check = await loaders.entraCheck.load(application.id);
    if (!check) return null;
    const certificate = application.certificateId ? await loaders.certificate.load(application.certificateId) : null;
    return (certificate?.thumbprint ?? null) === (check.thumbprint ?? null) ? check : null;
  }
}
