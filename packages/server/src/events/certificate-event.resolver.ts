import { Args, ArgsType, Field, ID, InputType, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
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

  @Query(() => CertificateEventConnection, { description: 'Recorded certificate events (the event log), oldest first.' })
  certificateEvents(@Args(() => CertificateEventsArgs) { first, after, filter }: CertificateEventsArgs) {
    return this.feed.list(filter ?? {}, { first, after });
  }

  @Subscription(() => CertificateEvent, {
    name: 'certificateEvents',
    description:
      'Certificate events as they are recorded, over graphql-ws. To resume after a disconnection, pass the id of the last event received as `after`.',
    // type-graphql builds the subscription without the resolver instance: the services come with the request.
    subscribe: ({ args, context }) => {
      const { filter, after } = args as CertificateEventSubscriptionArgs;
      return (context as RequestContext).services.certificateEvents.subscribe(filter ?? {}, after);
    },
  })
  liveCertificateEvents(
    @Root() event: CertificateEvent,
    @Args(() => CertificateEventSubscriptionArgs) _args: CertificateEventSubscriptionArgs,
  ): CertificateEvent {
    return event;
  }
}
