import type { GraphQLResolveInfo } from 'graphql';
import {
  Arg,
  Args,
  ArgsType,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Info,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { Role } from '../common/actor.js';
import type { Services } from '../domain-module.js';
import { CertificateEventType } from '../events/certificate-event.entity.js';
import { ConnectionType } from '../graphql/connection.type.js';
import { MutationError, toPayload } from '../graphql/mutation-error.type.js';
import type { RequestContext } from '../graphql/request-context.js';
import { selects } from '../graphql/selection.js';
import { WebhookDelivery, WebhookDeliveryAttempt } from './webhook-delivery.entity.js';
import { WebhookEndpoint } from './webhook-endpoint.entity.js';
import type { WebhookEndpointsService } from './webhook-endpoints.service.js';

const WebhookDeliveryConnection = ConnectionType(WebhookDelivery, 'WebhookDelivery');

@InputType({ description: 'A new webhook endpoint.' })
class CreateWebhookEndpointInput {
  @Field(() => String, {
    description: 'Where to POST deliveries: https://, or http:// for localhost / 127.0.0.0/8 / ::1 only; no user name or password.',
  })
  url: string;

  @Field(() => [CertificateEventType], { description: 'The event types to deliver (at least one).' })
  eventTypes: CertificateEventType[];

  @Field(() => [ID], { nullable: true, description: 'Only events of these organizations; omit, null or empty for every event of the chosen types.' })
  organizationIds?: string[] | null;

  @Field(() => String, { nullable: true, description: 'What the endpoint is for, at most 200 characters.' })
  description?: string | null;
}

@InputType({ description: 'Changes to a webhook endpoint; a field left out keeps its value.' })
class UpdateWebhookEndpointInput {
  @Field(() => ID, { description: 'Id of the endpoint.' })
  endpointId: string;

  @Field(() => String, { nullable: true, description: 'New URL (same rules as at creation).' })
  url?: string | null;

  @Field(() => [CertificateEventType], { nullable: true, description: 'New event types (at least one).' })
  eventTypes?: CertificateEventType[] | null;

  @Field(() => [ID], { nullable: true, description: 'New organization filter; an empty list means every organization.' })
  organizationIds?: string[] | null;

  @Field(() => String, { nullable: true, description: 'New description, at most 200 characters.' })
  description?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'false: stop delivering (pending deliveries wait); true: deliver again, clearing the reason and the failure count.',
  })
  enabled?: boolean | null;
}

@InputType({ description: 'A webhook endpoint to act on.' })
class WebhookEndpointIdInput {
  @Field(() => ID, { description: 'Id of the endpoint.' })
  endpointId: string;
}

@InputType({ description: 'An event to send to a webhook endpoint again.' })
class ResendWebhookEventInput {
  @Field(() => ID, { description: 'Id of the endpoint (it must be enabled).' })
  endpointId: string;

  @Field(() => ID, { description: 'Id of the event (`WebhookDelivery.eventId`, or any event of the log).' })
  eventId: string;
}

@ObjectType({ description: 'Result of createWebhookEndpoint and rotateWebhookSecret: the only time the signing secret is shown.' })
class WebhookEndpointSecretPayload {
  @Field(() => WebhookEndpoint, { nullable: true, description: 'The endpoint; null on failure.' })
  endpoint: WebhookEndpoint | null;

  @Field(() => String, {
    nullable: true,
    description:
      'The signing secret (`whsec_…`, Standard Webhooks form) for verifying deliveries. Shown once; the server keeps it sealed and never returns it again.',
  })
  secret: string | null;

  @Field(() => [MutationError], { description: 'Why nothing changed; empty on success.' })
  errors: MutationError[];
}

@ObjectType({ description: 'Result of updateWebhookEndpoint.' })
class UpdateWebhookEndpointPayload {
  @Field(() => WebhookEndpoint, { nullable: true, description: 'The endpoint as changed; null on failure.' })
  endpoint: WebhookEndpoint | null;

  @Field(() => [MutationError], { description: 'Why nothing changed; empty on success.' })
  errors: MutationError[];
}

@ObjectType({ description: 'Result of deleteWebhookEndpoint.' })
class DeleteWebhookEndpointPayload {
  @Field(() => ID, { nullable: true, description: 'Id of the deleted endpoint; null on failure.' })
  endpointId: string | null;

  @Field(() => [MutationError], { description: 'Why nothing changed; empty on success.' })
  errors: MutationError[];
}

@ObjectType({ description: 'Result of resendWebhookEvent.' })
class ResendWebhookEventPayload {
  @Field(() => WebhookDelivery, { nullable: true, description: 'The delivery, pending again; null on failure.' })
  delivery: WebhookDelivery | null;

  @Field(() => [MutationError], { description: 'Why nothing changed; empty on success.' })
  errors: MutationError[];
}

@ArgsType()
class DeliveriesArgs {
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100 (default 50).' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Cursor after which the page starts (`pageInfo.endCursor` of the previous page).' })
  after?: string | null;
}

@Resolver(() => WebhookEndpoint)
export class WebhookEndpointsResolver {
  private readonly endpoints: WebhookEndpointsService;

  constructor({ webhookEndpoints }: Services) {
    this.endpoints = webhookEndpoints;
  }

  @Authorized(Role.ADMINISTRATOR)
  @Query(() => [WebhookEndpoint], { description: 'Every webhook endpoint, newest first, without secrets. Administrators only.' })
  webhookEndpoints(): Promise<WebhookEndpoint[]> {
    return this.endpoints.list();
  }

  @FieldResolver(() => WebhookDeliveryConnection, { description: 'Deliveries to this endpoint, newest first.' })
  deliveries(
    @Root() endpoint: WebhookEndpoint,
    @Args(() => DeliveriesArgs) { first, after }: DeliveriesArgs,
    @Ctx() { loaders }: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    return loaders.webhookDeliveryPages.load({ endpointId: endpoint.id, first, after, counted: selects(info, 'totalCount') });
  }

  @Authorized(Role.ADMINISTRATOR)
  @Mutation(() => WebhookEndpointSecretPayload, {
    description: 'Registers a webhook endpoint and returns its signing secret, once. Administrators only.',
  })
  createWebhookEndpoint(
    @Arg('input', () => CreateWebhookEndpointInput, { description: 'URL, event types, organizations and description.' })
    input: CreateWebhookEndpointInput,
    @Ctx() { actor }: RequestContext,
  ): Promise<WebhookEndpointSecretPayload> {
    return toPayload<Omit<WebhookEndpointSecretPayload, 'errors'>>(
      () =>
        this.endpoints.create(actor, {
          url: input.url,
          eventTypes: input.eventTypes,
          organizationIds: input.organizationIds ?? null,
          description: input.description ?? '',
        }),
      { endpoint: null, secret: null },
    );
  }

  @Authorized(Role.ADMINISTRATOR)
  @Mutation(() => UpdateWebhookEndpointPayload, { description: 'Changes a webhook endpoint, or enables or disables it. Administrators only.' })
  updateWebhookEndpoint(
    @Arg('input', () => UpdateWebhookEndpointInput, { description: 'The endpoint and what to change.' }) input: UpdateWebhookEndpointInput,
    @Ctx() { actor }: RequestContext,
  ): Promise<UpdateWebhookEndpointPayload> {
    return toPayload<Omit<UpdateWebhookEndpointPayload, 'errors'>>(
      async () => ({
        endpoint: await this.endpoints.update(actor, input.endpointId, {
          url: input.url ?? undefined,
          eventTypes: input.eventTypes ?? undefined,
          organizationIds: input.organizationIds === undefined || input.organizationIds === null ? undefined : input.organizationIds,
          description: input.description ?? undefined,
          enabled: input.enabled ?? undefined,
        }),
      }),
      { endpoint: null },
    );
  }

  @Authorized(Role.ADMINISTRATOR)
  @Mutation(() => WebhookEndpointSecretPayload, {
    description: 'Replaces the signing secret of a webhook endpoint and returns the new one, once. Administrators only.',
  })
  rotateWebhookSecret(
    @Arg('input', () => WebhookEndpointIdInput, { description: 'The endpoint.' }) input: WebhookEndpointIdInput,
    @Ctx() { actor }: RequestContext,
  ): Promise<WebhookEndpointSecretPayload> {
    return toPayload<Omit<WebhookEndpointSecretPayload, 'errors'>>(() => this.endpoints.rotateSecret(actor, input.endpointId), {
      endpoint: null,
      secret: null,
    });
  }

  @Authorized(Role.ADMINISTRATOR)
  @Mutation(() => DeleteWebhookEndpointPayload, { description: 'Deletes a webhook endpoint and its deliveries. Administrators only.' })
  deleteWebhookEndpoint(
    @Arg('input', () => WebhookEndpointIdInput, { description: 'The endpoint.' }) input: WebhookEndpointIdInput,
    @Ctx() { actor }: RequestContext,
  ): Promise<DeleteWebhookEndpointPayload> {
    return toPayload<Omit<DeleteWebhookEndpointPayload, 'errors'>>(
      async () => ({ endpointId: await this.endpoints.delete(actor, input.endpointId) }),
      {
        endpointId: null,
      },
    );
  }

  @Authorized(Role.ADMINISTRATOR)
  @Mutation(() => ResendWebhookEventPayload, {
    description: 'Sends an event to a webhook endpoint again: its delivery starts over, with the same `webhook-id`. Administrators only.',
  })
  resendWebhookEvent(
    @Arg('input', () => ResendWebhookEventInput, { description: 'The endpoint and the event.' }) input: ResendWebhookEventInput,
    @Ctx() { actor }: RequestContext,
  ): Promise<ResendWebhookEventPayload> {
    return toPayload<Omit<ResendWebhookEventPayload, 'errors'>>(
      async () => ({ delivery: await this.endpoints.resend(actor, input.endpointId, input.eventId) }),
      {
        delivery: null,
      },
    );
  }
}

@Resolver(() => WebhookDelivery)
export class WebhookDeliveryResolver {
  @FieldResolver(() => [WebhookDeliveryAttempt], { description: 'Every attempt of this delivery, oldest first.' })
  attemptHistory(@Root() delivery: WebhookDelivery, @Ctx() { loaders }: RequestContext): Promise<WebhookDeliveryAttempt[]> {
    return loaders.webhookAttemptsByDelivery.load(delivery.id);
  }
}
