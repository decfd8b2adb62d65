import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';

type Result = ExecutionResult | Promise<ExecutionResult>;

/**
 * graphql-js executes a subscription's selection once per subscriber per event. Subscribers that sent
 * the same document with the same variables, as the same kind of actor, get the same result for the
 * same event: this `subscribe` (for graphql-ws' `useServer`) executes it once per event for all of
 * them. `sharingKey` says which subscribers may share (undefined: the subscriber shares with none).
 */
export function sharedSubscriptionExecution(sharingKey: (args: ExecutionArgs) => string | undefined) {
  // Per event (the object the source stream yields, the same for every subscriber of this process).
  const results = new WeakMap<object, Map<string, Result>>();

  const executeOnce = (args: ExecutionArgs, key: string | undefined, event: unknown): Result => {
    if (key === undefined || typeof event !== 'object' || event === null) return execute({ ...args, rootValue: event });
    let forEvent = results.get(event);
    if (!forEvent) results.set(event, (forEvent = new Map()));
    let result = forEvent.get(key);
    if (!result) forEvent.set(key, (result = execute({ ...args, rootValue: event })));
    return result;
  };

  return async (args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
    const stream = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in stream)) return stream;
    const key = sharingKey(args);
    return mapEvents(stream[Symbol.asyncIterator](), (event) => executeOnce(args, key, event));
  };
}

/**
 * What graphql-js' own (internal) `mapAsyncIterator` does: maps each value, and ends the source when
 * mapping fails. A value mapped without waiting is not awaited (one microtask less per subscriber and event).
 */
function mapEvents<T, R>(source: AsyncIterator<T>, map: (value: T) => R | Promise<R>): AsyncIterableIterator<R> {
  const fail = async (error: unknown): Promise<never> => {
    await source.return?.().catch(() => undefined);
    throw error;
  };
  const mapped = (result: IteratorResult<T>): IteratorResult<R> | Promise<IteratorResult<R>> => {
    if (result.done) return result;
    let value: R | Promise<R>;
    try {
      value = map(result.value);
    } catch (error) {
      return fail(error);
    }
    return value instanceof Promise ? value.then((resolved) => ({ value: resolved, done: false }), fail) : { value, done: false };
  };
  return {
    next: () => source.next().then(mapped),
    return: async () => (source.return ? mapped(await source.return()) : { value: undefined, done: true }),
    throw: async (error?: unknown) => {
      if (source.throw) return mapped(await source.throw(error));
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
