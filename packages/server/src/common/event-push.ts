/**
 * A live event stream that can hand its events straight to one consumer instead of answering `next()`.
 * One event reaches thousands of subscribers at once: a settled promise and an iterator result per
 * subscriber and event were a quarter of the fan-out's time beyond the socket writes (README, tenth round).
 */
export const PUSH_EVENTS = Symbol('push events');

export interface EventSink<T> {
  /** Takes one event. False when it cannot take another before it calls `resume`: the stream holds them meanwhile. */
  event(value: T): boolean;
  /** No event follows: the stream ended, or failed with `error`. */
  end(error?: unknown): void;
}

export interface PushedEvents<T> {
  /** Hands every event to `sink` from now on (once per stream); returns `resume`, for a sink that returned false. */
  [PUSH_EVENTS](sink: EventSink<T>): () => void;
}

export function pushesEvents<T>(stream: object): stream is PushedEvents<T> {
  return PUSH_EVENTS in stream;
}
