import { createClient } from 'graphql-ws';
import { GRAPHQL_PATH } from '../common/apollo/graphql-path.js';
import type { EventSocket } from './live-event-stream.js';

/**
 * The console's WebSocket to `/graphql` (graphql-ws), opened at the first subscription. It is
 * same-origin, so the browser sends the session cookie with the upgrade and the server signs it in.
 * It never retries by itself: {@link LiveEventStream} reconnects, resuming after the last event.
 */
export function createEventSocket(baseUrl: string = window.location.href): EventSocket {
  const url = new URL(GRAPHQL_PATH, baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return createClient({ url: url.href, lazy: true, retryAttempts: 0 });
}
