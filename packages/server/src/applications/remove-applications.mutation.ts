import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, ObjectType, Resolver } from 'type-graphql';
import { Role } from '../common/actor.js';
import type { Services } from '../domain-module.js';
import { MutationError, toPayload } from '../graphql/mutation-error.type.js';
import type { RequestContext } from '../graphql/request-context.js';
import { BackupApplication } from './backup-application.entity.js';
import type { BackupApplicationService } from './backup-application.service.js';

@InputType({ description: 'Which applications to remove from the backup configuration.' })
class RemoveApplicationsInput {
  @Field(() => ID, { description: 'Id of the organization the applications belong to.' })
  organizationId: string;

  @Field(() => [ID], { description: 'Application (client) ids of the applications to remove; at least one, each once.' })
  applicationIds: string[];
}

@ObjectType({ description: 'Result of removeApplications: either every application was removed, or none and `errors` says why.' })
class RemoveApplicationsPayload {
  @Field(() => [BackupApplication], { description: 'The applications removed, in the order requested; empty on failure.' })
  removedApplications: BackupApplication[];

  @Field(() => [MutationError], { description: 'Why nothing was removed; empty on success.' })
  errors: MutationError[];
}

@Resolver()
export class RemoveApplicationsResolver {
  private readonly applications: BackupApplicationService;

  constructor({ applications }: Services) {
    this.applications = applications;
  }

  @Authorized(Role.OPERATOR)
  @Mutation(() => RemoveApplicationsPayload, {
    description: 'Removes one or many applications from the backup configuration of an organization, all or nothing.',
  })
  removeApplications(
    @Arg('input', () => RemoveApplicationsInput, { description: 'The organization and the applications to remove.' }) input: RemoveApplicationsInput,
    @Ctx() { actor }: RequestContext,
  ): Promise<RemoveApplicationsPayload> {
    return toPayload(async () => ({ removedApplications: await this.applications.remove(input.organizationId, input.applicationIds, actor) }), {
      removedApplications: [],
    });
  }
}
