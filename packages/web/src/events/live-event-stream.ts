import { print } from 'graphql';
import type { Client } from 'graphql-ws';
import { CertificateEventsDocument, type CertificateEventsSubscription } from '../generated/graphql.js';

export type LiveEvent = CertificateEventsSubscription['certificateEvents'];

/** `connecting` until the first connection, `live` while connected, `reconnecting` after a drop. */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

/** The part of a graphql-ws client the stream uses; the client must not retry on its own (see below). */
export type EventSocket = Pick<Client, 'subscribe' | 'on' | 'dispose'>;

export interface LiveEventStreamOptions {
  socket: EventSocket;
  onEvent(event: LiveEvent): void;
  /** Events may have been missed and cannot be replayed: refetch what the console shows. */
  onResync(): void;
  onStatus(status: LiveStatus): void;
  /** The server closed the socket because the credential ended (4401) or must be changed first (4403). */
  onCredentialEnded(): void;
  /** Milliseconds to wait before reconnection attempt `attempt` (0, 1, …). */
  retryDelay?(attempt: number): number;
  /**
   * What the console shows was read before the feed started (a view the server rendered): the events
   * in between cannot be replayed, so the first connection refetches it.
   */
  shownBeforeStart?: boolean;
  /**
   * Id of the newest event when the views shown were read: the first subscription resumes after it, so
   * a change recorded between those reads and the server starting the subscription is still delivered.
   */
  after?: string | null;
}

/** Close codes after which reconnecting cannot help: the session is over (or must change its password). */
const CREDENTIAL_CLOSE_CODES = new Set([4401, 4403]);
/** Codes that end a resumed subscription: the last event id is unknown, or this client fell too far behind. */
const RESUME_REFUSED_CODES = new Set(['EVENT_NOT_FOUND', 'EVENT_SUBSCRIBER_BEHIND']);

/** 0.5 s, 1 s, 2 s … up to 15 s, each with ±25 % jitter so consoles do not reconnect in step after a restart. */
export function backoffDelay(attempt: number): number {
  const base = Math.min(15_000, 500 * 2 ** attempt);
  return base * (0.75 + Math.random() * 0.5);
}

/**
 * The console's feed of certificate events over one graphql-ws connection. It remembers the id of the
 * last event received and subscribes again with it as `after` after every drop, so the server replays
 * what happened meanwhile — no gap, no duplicate. graphql-ws's own retry would re-send the first
 * subscription unchanged (with a stale `after`), hence the socket must be created with `retryAttempts: 0`.
 */
export class LiveEventStream {
  private lastEventId: string | null;
  private attempt = 0;
  private stopped = false;
  /** True after a drop while no event id is known, or before a start that came after the view was read: on connection nothing can be replayed. */
  private missedUnknown: boolean;
  private unsubscribe: (() => void) | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly stopListening: () => void;

  constructor(private readonly options: LiveEventStreamOptions) {
    this.lastEventId = options.after ?? null;
    this.missedUnknown = options.shownBeforeStart ?? false;
    this.stopListening = options.socket.on('connected', () => {
      this.attempt = 0;
      options.onStatus('live');
      if (this.missedUnknown) {
        this.missedUnknown = false;
        options.onResync();
      }
    });
    options.onStatus('connecting');
    this.subscribe();
  }

  /** Ends the subscription and closes the connection (sign-out). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.unsubscribe?.();
    this.stopListening();
    void this.options.socket.dispose();
  }

  private subscribe(): void {
    let ended = false;
    const end = (failure: unknown) => {
      if (ended) return;
      ended = true;
      this.unsubscribe?.();
      this.failed(failure);
    };
    this.unsubscribe = this.options.socket.subscribe<CertificateEventsSubscription>(
      { query: print(CertificateEventsDocument), variables: { after: this.lastEventId } },
      {
        next: ({ data, errors }) => {
          if (errors?.length) return end(errors);
          if (!data || ended) return;
          this.lastEventId = data.certificateEvents.id;
          this.options.onEvent(data.certificateEvents);
        },
        error: end,
        // The server ended the subscription without an error (it is stopping): resume like after a drop.
        complete: () => end(undefined),
      },
    );
  }

  private failed(failure: unknown): void {
    if (this.stopped) return;
    if (closeCodeOf(failure) !== undefined && CREDENTIAL_CLOSE_CODES.has(closeCodeOf(failure)!)) {
      this.options.onCredentialEnded();
      return;
    }
    if (errorCodesOf(failure).some((code) => RESUME_REFUSED_CODES.has(code))) {
      // Continue from now, and refetch once what the missed events would have changed.
      this.lastEventId = null;
      this.options.onResync();
      this.subscribe();
      return;
    }
    if (this.lastEventId === null) this.missedUnknown = true;
    this.options.onStatus('reconnecting');
    const delay = (this.options.retryDelay ?? backoffDelay)(this.attempt);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => this.subscribe(), delay);
  }
}

function closeCodeOf(failure: unknown): number | undefined {
  const code = (failure as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The `extensions.code` of GraphQL errors, as graphql-ws hands them over (an array of formatted errors). */
function errorCodesOf(failure: unknown): string[] {
  if (!Array.isArray(failure)) return [];
  return failure
    .map((error: { extensions?: { code?: unknown } }) => error.extensions?.code)
    .filter((code): code is string => typeof code === 'string');
}
