import { ErrorCode } from '@bam/shared';
import { Args, ArgsType, Authorized, Field, ID, Int, ObjectType, Resolver, Root, Subscription } from 'type-graphql';
import { Role, roleIncludes } from '../common/actor.js';
import { DomainError } from '../common/domain-error.js';
import type { RequestContext } from '../graphql/request-context.js';
import { RotationStep, RotationStepStatus, type RotationProgressEvent } from './rotation-progress.js';

@ObjectType({ description: 'One step transition of a certificate update on an organization connected to Microsoft Entra.' })
class CertificateRotationProgress {
  @Field(() => ID, { description: 'The operation id the client gave the update.' })
  operationId: string;

  @Field(() => ID, { nullable: true, description: 'Application (client) id the step concerns; null: every application of the update (validation).' })
  applicationId: string | null;

  @Field(() => RotationStep, { nullable: true, description: 'The step; null only for LISTENING.' })
  step: RotationStep | null;

  @Field(() => RotationStepStatus, { description: 'Where the step stands.' })
  status: RotationStepStatus;

  @Field(() => Int, { nullable: true, description: 'RETRYING: how many sign-ins with the new key Entra has refused so far.' })
  attempt: number | null;

  @Field(() => ErrorCode, { nullable: true, description: 'FAILED and POSTPONED: why, as the code the mutation answers with.' })
  errorCode: ErrorCode | null;

  @Field(() => String, {
    nullable: true,
    description: "Entra's own code for the refusal or failure (`AADSTS700027`, a Graph error code), when Entra gave one.",
  })
  entraCode: string | null;

  @Field(() => Date, { description: 'When the transition happened.' })
  at: Date;
}

@ArgsType()
class CertificateRotationProgressArgs {
  @Field(() => ID, { description: 'The UUID the client will give (or gave) `updateCertificate` as `operationId`.' })
  operationId: string;
}

@Resolver()
export class RotationProgressResolver {
  @Authorized(Role.OPERATOR)
  @Subscription(() => CertificateRotationProgress, {
    name: 'certificateRotationProgress',
    description:
      'The steps of one certificate update as they happen, per application, over graphql-ws: validate, register the new key in Entra, prove sign-in ' +
      '(retried while Entra replicates the key), switch, remove the old key. Only the actor who sends the update with this `operationId` receives them ' +
      '(Operator role, as for the update). The first message is LISTENING: send the mutation after it. The mutation still answers with the outcome.',
    // type-graphql builds the subscription without the resolver instance: the services come with the request.
    subscribe: async ({ args, context }) => {
      const { actor, services, signal } = context as RequestContext;
      // Checked here too, before listening: `@Authorized` on a subscription refuses each delivered event, not the subscription.
      if (actor.role === null) throw new DomainError(ErrorCode.UNAUTHENTICATED);
      if (actor.mustChangePassword) throw new DomainError(ErrorCode.PASSWORD_CHANGE_REQUIRED);
      if (!roleIncludes(actor.role, Role.OPERATOR)) throw new DomainError(ErrorCode.FORBIDDEN);
      return services.rotationProgress.watch((args as CertificateRotationProgressArgs).operationId, actor, signal);
    },
  })
  certificateRotationProgress(
    @Root() event: RotationProgressEvent,
    @Args(() => CertificateRotationProgressArgs) _args: CertificateRotationProgressArgs,
  ): CertificateRotationProgress {
    return { ...event, at: new Date(event.at) };
  }
}
