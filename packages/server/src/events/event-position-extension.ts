import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { CertificateEventFeedService } from './certificate-event-feed.service.js';

/** The name of the answer's extension: see {@link eventPositionExtension}. */
const EVENT_POSITION_EXTENSION = 'certificateEventPosition';

/**
 * Puts in every query's answer (`extensions.certificateEventPosition`) the position of the newest event
 * known committed before the query read anything: the answer shows the changes of every event up to it
 * (and maybe some after). A client that has already applied a later event in place knows the answer may be
 * older than what it shows, and asks again (the console does: `packages/web/src/common/apollo/applied-events.ts`).
 */
export function eventPositionExtension(feed: CertificateEventFeedService): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      let position: string | undefined;
      return {
        // Before any resolver reads: taken later, it could count an event committed after a read that missed its change.
        async executionDidStart({ operation }) {
          if (operation.operation === 'query') position = feed.committedPosition();
        },
        async willSendResponse({ response }) {
          if (position === undefined || response.body.kind !== 'single') return;
          const { singleResult } = response.body;
          singleResult.extensions = { ...singleResult.extensions, [EVENT_POSITION_EXTENSION]: position };
        },
      };
    },
  };
}
