import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { PUSH_EVENTS, pushesEvents } from '../common/event-push.js';

/** One subscription operation, as its socket serves it. */
export interface Subscriber {
  /** Subscribers with the same key get the same result for the same event (undefined: shares with none). */
  sharingKey: string | undefined;
  /** Sends one result (a `next` message's payload, as UTF-8 JSON); a promise means wait for it before the next event. */
  deliver(payload: Buffer): void | Promise<void>;
}

/**
 * A shared payload whose execution is still running (type-graphql's resolvers return promises). Its
 * subscribers, thousands for one event, wait in one list settled in one go rather than with a promise
 * reaction each.
 */
class PendingPayload {
  private waiting: { ready: (payload: Buffer) => void; failed: (error: unknown) => void }[] | undefined = [];

  constructor(private readonly execution: Promise<Buffer>) {
    const settle = () => {
      const waiting = this.waiting!;
      this.waiting = undefined;
      return waiting;
    };
    execution.then(
      (payload) => settle().forEach(({ ready }) => ready(payload)),
      (error: unknown) => settle().forEach(({ failed }) => failed(error)),
    );
  }

  whenReady(ready: (payload: Buffer) => void, failed: (error: unknown) => void): void {
    if (this.waiting) this.waiting.push({ ready, failed });
    else this.execution.then(ready, failed);
  }
}

type Payload = Buffer | PendingPayload;

/**
 * graphql-js executes a subscription's selection once per subscriber per event, and graphql-ws serialises
 * each subscriber's message whole. Subscribers that sent the same document with the same variables, as the
 * same kind of actor, get the same result for the same event: this `subscribe` (for graphql-ws' `makeServer`)
 * executes and serialises it once per event for all of them, and hands it to each subscriber's `deliver`.
 */
export function sharedSubscriptionExecution(subscriberOf: (args: ExecutionArgs) => Subscriber, serialize: (result: ExecutionResult) => Buffer) {
  // Per event (the object the source stream yields, the same for every subscriber of this process).
  const payloads = new WeakMap<object, Map<string, Payload>>();

  const payloadOnce = (args: ExecutionArgs, key: string | undefined, event: unknown): Payload => {
    const run = (): Payload => {
      const result = execute({ ...args, rootValue: event });
      return result instanceof Promise ? new PendingPayload(result.then(serialize)) : serialize(result);
    };
    if (key === undefined || typeof event !== 'object' || event === null) return run();
    let forEvent = payloads.get(event);
    if (!forEvent) payloads.set(event, (forEvent = new Map()));
    let payload = forEvent.get(key);
    if (payload === undefined) forEvent.set(key, (payload = run()));
    return payload;
  };

  return async (args: ExecutionArgs): Promise<AsyncIterableIterator<never> | ExecutionResult> => {
    const stream = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in stream)) return stream;
    const { sharingKey, deliver } = subscriberOf(args);
    return deliverEvents(stream[Symbol.asyncIterator](), (event) => payloadOnce(args, sharingKey, event), deliver);
  };
}

/**
 * Takes the source's events one at a time, from graphql-ws' first `next` call, and delivers each event's
 * payload itself: graphql-ws' own loop would cost every subscriber several promises and a serialisation
 * per event. A source that pushes its events (the event feed) hands them over directly; another is
 * pulled. The iterator graphql-ws gets yields nothing: it ends when the source ends, or fails with the
 * source's (or the execution's) error, so graphql-ws still sends `complete` or `error`; its `return` (the
 * client completed, or left) stops the deliveries and the source.
 */
function deliverEvents<T>(source: AsyncIterator<T>, payloadOf: (event: T) => Payload, deliver: Subscriber['deliver']): AsyncIterableIterator<never> {
  let started = false;
  let ended = false;
  let end!: (result: IteratorReturnResult<undefined>) => void;
  let fail!: (error: unknown) => void;
  const outcome = new Promise<IteratorReturnResult<undefined>>((resolve, reject) => ((end = resolve), (fail = reject)));
  const done: IteratorReturnResult<undefined> = { value: undefined, done: true };

  const stop = (error: unknown): void => {
    if (ended) return;
    ended = true;
    Promise.resolve(source.return?.()).catch(() => undefined);
    fail(error);
  };
  const finish = (): void => {
    if (ended) return;
    ended = true;
    end(done);
  };
  /** Delivers one payload; calls `then` once the subscriber can take the next one, now or after a backed-up write. */
  const send = (payload: Buffer, then: () => void): boolean => {
    if (ended) return false;
    let sent;
    try {
      sent = deliver(payload);
    } catch (error) {
      stop(error);
      return false;
    }
    if (!sent) return true;
    sent.then(then, stop);
    return false;
  };
  /** Delivers one event's payload: true when the next event may follow at once, else `next` is called once it may. */
  const deliverEvent = (event: T, next: () => void): boolean => {
    if (ended) return false;
    let payload: Payload;
    try {
      payload = payloadOf(event);
    } catch (error) {
      stop(error);
      return false;
    }
    if (!(payload instanceof PendingPayload)) return send(payload, next);
    payload.whenReady((ready) => send(ready, next) && next(), stop);
    return false;
  };
  const pull = (): void => {
    source.next().then((result) => {
      if (ended) return;
      if (result.done) return finish();
      if (deliverEvent(result.value, pull)) pull();
    }, stop);
  };
  const start = (): void => {
    if (!pushesEvents<T>(source)) return pull();
    // Set before any event can need it: a sink gets no event while `PUSH_EVENTS` runs.
    let resume = (): void => undefined;
    resume = source[PUSH_EVENTS]({
      event: (event) => deliverEvent(event, resume),
      end: (error) => (error === undefined ? finish() : stop(error)),
    });
  };

  return {
    next: () => {
      if (!started) {
        started = true;
        start();
      }
      return outcome;
    },
    return: () => {
      if (!ended) {
        finish();
        Promise.resolve(source.return?.()).catch(() => undefined);
      }
      return Promise.resolve(done);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
