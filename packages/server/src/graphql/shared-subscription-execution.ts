import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';

/** One subscription operation, as its socket serves it. */
export interface Subscriber {
  /** Subscribers with the same key get the same result for the same event (undefined: shares with none). */
  sharingKey: string | undefined;
  /** Sends one result (a `next` message's payload, as UTF-8 JSON); a promise means wait for it before the next event. */
  deliver(payload: Buffer): void | Promise<void>;
}

type Payload = Buffer | Promise<Buffer>;

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
      return result instanceof Promise ? result.then(serialize) : serialize(result);
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
 * per event. The iterator graphql-ws gets yields nothing: it ends when the source ends, or fails with the
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
  const send = (payload: Buffer): void => {
    if (ended) return;
    let sent;
    try {
      sent = deliver(payload);
    } catch (error) {
      return stop(error);
    }
    if (sent) sent.then(take, stop);
    else take();
  };
  const take = (): void => {
    source.next().then((result) => {
      if (ended) return;
      if (result.done) {
        ended = true;
        return end(done);
      }
      let payload: Payload;
      try {
        payload = payloadOf(result.value);
      } catch (error) {
        return stop(error);
      }
      if (payload instanceof Promise) payload.then(send, stop);
      else send(payload);
    }, stop);
  };

  return {
    next: () => {
      if (!started) {
        started = true;
        take();
      }
      return outcome;
    },
    return: () => {
      if (!ended) {
        ended = true;
        Promise.resolve(source.return?.()).catch(() => undefined);
        end(done);
      }
      return Promise.resolve(done);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
