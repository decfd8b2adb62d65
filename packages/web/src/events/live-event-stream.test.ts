import type { Sink } from 'graphql-ws';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type EventSocket, type LiveEvent, LiveEventStream, type LiveStatus } from './live-event-stream.js';

interface Subscription {
  after: string | null;
  sink: Sink<{ data?: { certificateEvents: LiveEvent }; errors?: unknown[] }>;
  completedByClient: boolean;
}

/** A graphql-ws client stand-in: records each subscription and lets the test play the server. */
function fakeSocket() {
  const subscriptions: Subscription[] = [];
  const connectedListeners = new Set<() => void>();
  let disposed = false;
  const socket: EventSocket = {
    subscribe(payload, sink) {
      const subscription: Subscription = {
        after: (payload.variables as { after: string | null }).after,
        sink: sink as Subscription['sink'],
        completedByClient: false,
      };
      subscriptions.push(subscription);
      return () => (subscription.completedByClient = true);
    },
    on(event, listener) {
      if (event !== 'connected') throw new Error(`unexpected listener ${event}`);
      const connected = listener as () => void;
      connectedListeners.add(connected);
      return () => connectedListeners.delete(connected);
    },
    dispose() {
      disposed = true;
    },
  };
  return {
    socket,
    subscriptions,
    connected: () => connectedListeners.forEach((listener) => listener()),
    latest: () => subscriptions.at(-1)!,
    get disposed() {
      return disposed;
    },
  };
}

const liveEvent = (id: string): LiveEvent => ({
  id,
  position: '1',
  type: 'APPLICATIONS_ADDED',
  organizationId: 'org',
  applicationIds: [],
  time: '2026-11-27T15:00:00.000Z',
  cloudEvent: {},
});
/** How the browser reports a dropped connection (no close frame). */
const dropped = { code: 1006, reason: '', wasClean: false };

let stream: LiveEventStream | undefined;
// Reconnection waits are timers: the tests run them instead of waiting.
beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  stream?.stop();
  vi.useRealTimers();
});

function start(options: { shownBeforeStart?: boolean; after?: string | null } = {}) {
  const server = fakeSocket();
  const received: string[] = [];
  const statuses: LiveStatus[] = [];
  const calls = { resync: 0, credentialEnded: 0 };
  stream = new LiveEventStream({
    socket: server.socket,
    onEvent: (event) => received.push(event.id),
    onResync: () => (calls.resync += 1),
    onStatus: (status) => statuses.push(status),
    onCredentialEnded: () => (calls.credentialEnded += 1),
    retryDelay: () => 1000,
    ...options,
  });
  return { server, received, statuses, calls };
}

describe('LiveEventStream', () => {
  it('resumes after the last event received when the connection drops, so nothing is missed', () => {
    const { server, received, statuses, calls } = start();
    expect(server.latest().after).toBeNull();
    server.connected();
    server.latest().sink.next({ data: { certificateEvents: liveEvent('e1') } });
    server.latest().sink.next({ data: { certificateEvents: liveEvent('e2') } });

    server.latest().sink.error(dropped);
    expect(statuses.at(-1)).toBe('reconnecting');
    expect(server.subscriptions).toHaveLength(1);
    vi.runAllTimers();
    expect(server.subscriptions).toHaveLength(2);
    expect(server.latest().after).toBe('e2');
    server.connected();
    server.latest().sink.next({ data: { certificateEvents: liveEvent('e3') } });

    expect(received).toEqual(['e1', 'e2', 'e3']);
    expect(statuses).toEqual(['connecting', 'live', 'reconnecting', 'live']);
    // The server replays what was missed: nothing to refetch.
    expect(calls.resync).toBe(0);
  });

  it('resumes, on another instance behind the load balancer, when a stopping server closes the socket (1001 Going away)', () => {
    const { server, statuses, calls } = start();
    server.connected();
    server.latest().sink.next({ data: { certificateEvents: liveEvent('e1') } });

    server.latest().sink.error({ code: 1001, reason: 'Going away', wasClean: true });
    expect(statuses.at(-1)).toBe('reconnecting');
    vi.runAllTimers();
    expect(server.subscriptions).toHaveLength(2);
    expect(server.latest().after).toBe('e1');
    expect(calls.credentialEnded).toBe(0);
  });

  it('starts after the newest event read with the views, and after a drop before any event resumes from there', () => {
    const { server, received, calls } = start({ after: 'e0' });
    expect(server.latest().after).toBe('e0');
    server.connected();
    server.latest().sink.error(dropped);
    vi.runAllTimers();
    expect(server.latest().after).toBe('e0');
    server.connected();
    server.latest().sink.next({ data: { certificateEvents: liveEvent('e1') } });
    expect(received).toEqual(['e1']);
    // Everything since the views were read is replayed: nothing to refetch.
    expect(calls.resync).toBe(0);
  });

  it('refetches once and continues from now when the server no longer knows the last event or the console fell behind', () => {
    for (const code of ['EVENT_NOT_FOUND', 'EVENT_SUBSCRIBER_BEHIND']) {
      const { server, calls } = start();
      server.connected();
      server.latest().sink.next({ data: { certificateEvents: liveEvent('e1') } });
      server.latest().sink.error([{ message: 'gone', extensions: { code } }]);
      expect(calls.resync).toBe(1);
      expect(server.subscriptions).toHaveLength(2);
      expect(server.latest().after).toBeNull();
      stream!.stop();
    }
  });

  it('refetches after a drop that came before any event: with no id, nothing can be replayed', () => {
    const { server, calls } = start();
    server.connected();
    server.latest().sink.error(dropped);
    expect(server.subscriptions).toHaveLength(1);
    vi.runAllTimers();
    expect(server.subscriptions).toHaveLength(2);
    expect(calls.resync).toBe(0);
    server.connected();
    expect(calls.resync).toBe(1);
  });

  it('refetches on its first connection when the view was read before it started, and only then', () => {
    const { server, calls } = start({ shownBeforeStart: true });
    expect(calls.resync).toBe(0);
    server.connected();
    expect(calls.resync).toBe(1);
    server.latest().sink.next({ data: { certificateEvents: liveEvent('e7') } });
    server.latest().sink.error(dropped);
    vi.runAllTimers();
    server.connected();
    expect(calls.resync).toBe(1);
  });

  it('does not refetch on its first connection when it started before the view was read', () => {
    const { server, calls } = start();
    server.connected();
    expect(calls.resync).toBe(0);
  });

  it('stops when the server ends the credential, and closes the socket on stop', () => {
    const { server, calls } = start();
    server.connected();
    server.latest().sink.error({ code: 4401, reason: 'Unauthorized', wasClean: true });
    expect(calls.credentialEnded).toBe(1);
    vi.runAllTimers();
    expect(server.subscriptions).toHaveLength(1);

    stream!.stop();
    expect(server.disposed).toBe(true);
  });

  it('completes its subscription and does not reconnect once stopped', () => {
    const { server } = start();
    server.connected();
    const first = server.latest();
    stream!.stop();
    expect(first.completedByClient).toBe(true);
    first.sink.error(dropped);
    vi.runAllTimers();
    expect(server.subscriptions).toHaveLength(1);
  });
});
