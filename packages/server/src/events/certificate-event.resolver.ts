import { Args, ArgsType, Authorized, Ctx, Field, ID, InputType, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import { type Actor, Role } from '../common/actor.js';
import type { Services } from '../domain-module.js';
import { ConnectionType } from '../graphql/connection.type.js';
import type { RequestContext } from '../graphql/request-context.js';
import { CertificateEvent, CertificateEventType } from './certificate-event.entity.js';
import type { CertificateEventFeedService } from './certificate-event-feed.service.js';

const CertificateEventConnection = ConnectionType(CertificateEvent, 'CertificateEvent');

@InputType({ description: 'Narrows the certificate events delivered; each list left out or empty means any.' })
class CertificateEventFilter {
  @Field(() => [ID], {
    nullable: true,
    description: 'Only events of these organizations. Certificate store events concern no organization, so this leaves them out.',
  })
  organizationIds?: string[] | null;

  @Field(() => [CertificateEventType], { nullable: true, description: 'Only events of these types.' })
  types?: CertificateEventType[] | null;
}

@ArgsType()
class CertificateEventsArgs {
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100 (default 50).' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Cursor after which the page starts (`pageInfo.endCursor` of the previous page).' })
  after?: string | null;

  @Field(() => CertificateEventFilter, { nullable: true, description: 'Only events that match.' })
  filter?: CertificateEventFilter | null;
}

@ArgsType()
class CertificateEventSubscriptionArgs {
  @Field(() => CertificateEventFilter, { nullable: true, description: 'Only events that match.' })
  filter?: CertificateEventFilter | null;

  @Field(() => ID, {
    nullable: true,
    description:
      'Id of the last event this client received: every matching event recorded since is delivered first, then live events, with no gap and no duplicate. Without it, only events from now on.',
  })
  after?: string | null;
}

@Resolver(() => CertificateEvent)
export class CertificateEventResolver {
  private readonly feed: CertificateEventFeedService;

  constructor({ certificateEvents }: Services) {
    this.feed = certificateEvents;
  }

  @Authorized(Role.VIEWER)
  @Query(() => CertificateEventConnection, {
    description: 'Recorded certificate events (the event log) of the organizations the caller may see, oldest first.',
  })
  certificateEvents(@Args(() => CertificateEventsArgs) { first, after, filter }: CertificateEventsArgs, @Ctx() { actor }: RequestContext) {
    return this.feed.list(withinScope(filter ?? {}, actor), { first, after });
  }

  @Authorized(Role.VIEWER)
  @Subscription(() => CertificateEvent, {
    name: 'certificateEvents',
    description:
      'Certificate events as they are recorded, over graphql-ws. To resume after a disconnection, pass the id of the last event received as `after`.',
    // type-graphql builds the subscription without the resolver instance: the services come with the request.
    subscribe: ({ args, context }) => {
      const { filter, after } = args as CertificateEventSubscriptionArgs;
      const { services, actor } = context as RequestContext;
      return services.certificateEvents.subscribe(withinScope(filter ?? {}, actor), after, actor.organizationIds);
    },
  })
  liveCertificateEvents(
    @Root() event: CertificateEvent,
    @Args(() => CertificateEventSubscriptionArgs) _args: CertificateEventSubscriptionArgs,
  ): CertificateEvent {
    return event;
  }
}

/**
 * The filter narrowed to the organizations the actor may see. An actor limited to some organizations
 * sees only their events (not the store's, which belong to no organization).
 */
function withinScope(filter: CertificateEventFilter, actor: Actor): CertificateEventFilter {
  if (actor.organizationIds === null) return filter;
  const allowed = new Set(actor.organizationIds);
  const organizationIds = filter.organizationIds?.length ? filter.organizationIds.filter((id) => allowed.has(id.toLowerCase())) : [...allowed];
  // An empty list would mean "every organization": name one that cannot exist instead.
  return { ...filter, organizationIds: organizationIds.length ? organizationIds : ['00000000-0000-0000-0000-000000000000'] };
}
