import { createClient } from 'graphql-ws';
import { expect } from 'vitest';
import WebSocket from 'ws';

/** A certificate event as the API returns it. */
export interface ReceivedEvent {
  id: string;
  position: string;
  type: string;
  organizationId: string | null;
  applicationIds: string[];
  actor: string;
  cloudEvent: { specversion: string; id: string; type: string; source: string; subject?: string; sequence: string; data: Record<string, unknown> };
}

export const eventFields = 'id position type organizationId applicationIds actor time cloudEvent';

const subscription = `subscription($filter: CertificateEventFilter, $after: ID) { certificateEvents(filter: $filter, after: $after) { ${eventFields} } }`;

/** A graphql-ws subscriber to `certificateEvents` over a real WebSocket, authenticated with a bearer token, that keeps what it receives. */
export function subscribeToEvents(graphqlUrl: string, bearer: string, variables: { filter?: object; after?: string | null }) {
  const client = createClient({
    url: graphqlUrl.replace('http:', 'ws:'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${bearer}` },
  });
  const events: ReceivedEvent[] = [];
  const errors: unknown[] = [];
  client.subscribe<{ certificateEvents: ReceivedEvent }>(
    { query: subscription, variables },
    {
      next: ({ data, errors: graphqlErrors }) => {
        if (data) events.push(data.certificateEvents);
        if (graphqlErrors) errors.push(...graphqlErrors);
      },
      error: (error) => errors.push(...(Array.isArray(error) ? error : [error])),
      complete: () => undefined,
    },
  );
  return {
    events,
    errors,
    /** Waits until `count` events arrived (or an error, or 10 s), then expects them. */
    async waitFor(count: number, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (events.length < count && errors.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(errors).toEqual([]);
      expect(events.length).toBeGreaterThanOrEqual(count);
      return events;
    },
    dispose: () => client.dispose(),
  };
}
