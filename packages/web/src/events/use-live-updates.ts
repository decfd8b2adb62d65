import { inject, onMounted, onScopeDispose, type Ref, shallowRef, watch } from 'vue';
import { useApolloClient } from '../common/apollo/apollo-client-key.js';
import { appliedEventsKey } from '../common/apollo/applied-events.js';
import { createEventSocket } from './event-socket.js';
import { liveCacheUpdates } from './live-cache-updates.js';
import { type EventSocket, LiveEventStream, type LiveStatus } from './live-event-stream.js';

export interface UseLiveUpdatesOptions {
  /** The feed runs while this is true: signed in (and no password change pending). */
  active: Ref<boolean>;
  /** The server ended the socket's credential: ask who is signed in again. */
  onCredentialEnded(): void;
  /** The newest event id as read with the views shown, if known: the feed starts after it (see `LiveEventStream`). */
  startAfter?: () => string | null;
  /** The first view was rendered by the server: the feed's first start refetches what it shows (see `LiveEventStream`). */
  renderedOnServer?: boolean;
  /** For tests: the socket to use instead of a WebSocket to this page's server. */
  createSocket?: () => EventSocket;
}

/**
 * Keeps the Apollo cache live from the certificate event feed: one connection per signed-in console,
 * opened at sign-in and closed at sign-out. `status` is null while signed out, and until the component
 * is mounted: a view rendered on the server opens no socket, and its hydration shows no status either.
 */
export function useLiveUpdates({
  active,
  onCredentialEnded,
  startAfter = () => null,
  renderedOnServer = false,
  createSocket = createEventSocket,
}: UseLiveUpdatesOptions): {
  status: Ref<LiveStatus | null>;
} {
  const client = useApolloClient();
  // Provided with the client in the browser; the server's render opens no feed.
  const appliedEvents = inject(appliedEventsKey, undefined);
  const status = shallowRef<LiveStatus | null>(null);
  let running: { stream: LiveEventStream; updates: ReturnType<typeof liveCacheUpdates> } | undefined;
  let started = false;

  function stop() {
    running?.stream.stop();
    running?.updates.dispose();
    running = undefined;
    status.value = null;
  }

  onMounted(() =>
    watch(
      active,
      (isActive) => {
        if (isActive && !running) {
          if (!appliedEvents) throw new Error('No AppliedEvents provided: call app.provide(appliedEventsKey, appliedEvents) with the client.');
          const updates = liveCacheUpdates(client, appliedEvents);
          const stream = new LiveEventStream({
            socket: createSocket(),
            onEvent: (event) => updates.apply(event),
            onResync: () => updates.resync(),
            onStatus: (current) => (status.value = current),
            onCredentialEnded: () => {
              stop();
              onCredentialEnded();
            },
            shownBeforeStart: renderedOnServer && !started,
            after: startAfter(),
          });
          running = { stream, updates };
          started = true;
        } else if (!isActive) {
          stop();
        }
      },
      { immediate: true },
    ),
  );
  onScopeDispose(stop);
  return { status };
}
