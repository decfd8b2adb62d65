import { GraphQLObjectType, GraphQLSchema, GraphQLString, parse, type ExecutionResult } from 'graphql';
import { expect, it } from 'vitest';
import { type EventSink, PUSH_EVENTS, type PushedEvents } from '../common/event-push.js';
import { sharedSubscriptionExecution, type Subscriber } from './shared-subscription-execution.js';

/** A schema whose subscription yields the given events and counts how often its field is resolved. */
function counting(events: (object | Error)[]) {
  const counter = { resolved: 0, ended: 0 };
  const Event = new GraphQLObjectType({
    name: 'Event',
    fields: {
      name: {
        type: GraphQLString,
        resolve: (event: { name: string }, _args, context: { prefix: string }) => {
          counter.resolved += 1;
          return `${context.prefix}${event.name}`;
        },
      },
    },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        events: {
          type: Event,
          subscribe: async function* () {
            try {
              for (const event of events) {
                if (event instanceof Error) throw event;
                yield event;
              }
            } finally {
              counter.ended += 1;
            }
          },
          resolve: (event: unknown) => event,
        },
      },
    }),
  });
  return { schema, counter };
}

const document = parse('subscription { events { name } }');
const serialise = (result: ExecutionResult) => Buffer.from(JSON.stringify(result));

it('executes and serialises once per event for subscribers that share a key, and apart for the others', async () => {
  const { schema, counter } = counting([{ name: 'a' }, { name: 'b' }]);
  const subscribers = new Map<object, Subscriber & { sent: string[] }>();
  let serialised = 0;
  const subscribe = sharedSubscriptionExecution(
    (args) => subscribers.get(args.contextValue as object)!,
    (result: ExecutionResult) => ((serialised += 1), Buffer.from(JSON.stringify(result))),
  );
  /** Resolves with the payloads delivered, once the events end. */
  const subscriber = async (prefix: string, sharingKey: string | undefined) => {
    const contextValue = { prefix };
    const sent: string[] = [];
    subscribers.set(contextValue, { sharingKey, sent, deliver: (payload) => void sent.push(payload.toString()) });
    await ((await subscribe({ schema, document, contextValue })) as AsyncIterableIterator<never>).next();
    return sent.map((payload) => JSON.parse(payload) as unknown);
  };

  const [first, second, other, alone] = await Promise.all([
    subscriber('x-', 'shared'),
    subscriber('ignored-', 'shared'),
    subscriber('y-', 'other'),
    subscriber('z-', undefined),
  ]);

  // The second subscriber shares the first one's results (its context is not used: same key, same result).
  expect(first).toEqual([{ data: { events: { name: 'x-a' } } }, { data: { events: { name: 'x-b' } } }]);
  expect(second).toEqual(first);
  expect(other).toEqual([{ data: { events: { name: 'y-a' } } }, { data: { events: { name: 'y-b' } } }]);
  expect(alone).toEqual([{ data: { events: { name: 'z-a' } } }, { data: { events: { name: 'z-b' } } }]);
  // Two events × three executions (shared, other, alone) rather than × four subscribers.
  expect(counter.resolved).toBe(6);
  expect(serialised).toBe(6);
});

/** A subscription with a single subscriber whose payloads go to `deliver`; returns its source stream. */
async function subscribeAlone(events: (object | Error)[], deliver: Subscriber['deliver']) {
  const { schema, counter } = counting(events);
  const subscribe = sharedSubscriptionExecution(() => ({ sharingKey: 'key', deliver }), serialise);
  const stream = (await subscribe({ schema, document, contextValue: { prefix: '' } })) as AsyncIterableIterator<never>;
  return { stream, counter };
}

it('waits for a delivery that is backed up before taking the next event', async () => {
  const sent: string[] = [];
  let release = () => {};
  const { stream } = await subscribeAlone([{ name: 'a' }, { name: 'b' }], (payload) => {
    sent.push(payload.toString());
    return new Promise<void>((resolve) => (release = resolve));
  });
  const ended = stream.next();
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(sent).toEqual(['{"data":{"events":{"name":"a"}}}']);
  release();
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(sent).toHaveLength(2);
  release();
  expect(await ended).toEqual({ value: undefined, done: true });
});

it('ends the source stream when the subscriber stops, and delivers nothing more', async () => {
  const sent: string[] = [];
  let stop = () => {};
  const { stream, counter } = await subscribeAlone([{ name: 'a' }, { name: 'b' }], (payload) => {
    sent.push(payload.toString());
    stop();
  });
  stop = () => void stream.return!();
  expect(await stream.next()).toEqual({ value: undefined, done: true });
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(sent).toEqual(['{"data":{"events":{"name":"a"}}}']);
  expect(counter.ended).toBe(1);
});

it('fails with the source stream’s error after the events before it', async () => {
  const sent: string[] = [];
  const { stream } = await subscribeAlone([{ name: 'a' }, new Error('the feed failed')], (payload) => void sent.push(payload.toString()));
  await expect(stream.next()).rejects.toThrow('the feed failed');
  expect(sent).toEqual(['{"data":{"events":{"name":"a"}}}']);
});

/** A source that pushes the events the test gives it, holding them while its sink pauses (the event feed's contract). */
function pushingSource() {
  const waiting: object[] = [];
  let sink: EventSink<object> | undefined;
  let held = false;
  const flush = () => {
    while (sink && !held && waiting.length > 0) held = !sink.event(waiting.shift()!);
  };
  const stream: AsyncIterableIterator<object> & PushedEvents<object> = {
    [PUSH_EVENTS](to) {
      sink = to;
      flush();
      return () => {
        held = false;
        flush();
      };
    },
    next: () => Promise.reject(new Error('a pushing source is not pulled')),
    return: async () => ({ value: undefined, done: true }),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return {
    stream,
    push: (event: object) => (waiting.push(event), flush()),
    end: (error?: unknown) => sink!.end(error),
  };
}

it('takes pushed events, and waits for a payload still executing and for a backed-up delivery before the next one', async () => {
  // One source per subscription, each handed the same event objects (as the feed does).
  const sources: ReturnType<typeof pushingSource>[] = [];
  let resolved = 0;
  const Event = new GraphQLObjectType({
    name: 'Event',
    // A resolver that returns a promise, as type-graphql's do: the payload is not ready when the event arrives.
    fields: { name: { type: GraphQLString, resolve: async (event: { name: string }) => ((resolved += 1), event.name) } },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: { events: { type: Event, subscribe: () => sources[sources.push(pushingSource()) - 1]!.stream, resolve: (event: unknown) => event } },
    }),
  });
  const sent = { fast: [] as string[], slow: [] as string[] };
  let release = () => {};
  const subscribers = new Map<object, Subscriber>();
  const subscribe = sharedSubscriptionExecution((args) => subscribers.get(args.contextValue as object)!, serialise);
  const streams = [];
  for (const name of ['fast', 'slow'] as const) {
    const contextValue = {};
    subscribers.set(contextValue, {
      sharingKey: 'shared',
      deliver: (payload) => {
        sent[name].push(JSON.parse(payload.toString()).data.events.name);
        if (name === 'slow') return new Promise<void>((resolve) => (release = resolve));
      },
    });
    const stream = (await subscribe({ schema, document, contextValue })) as AsyncIterableIterator<never>;
    streams.push(stream.next());
  }

  for (const event of [{ name: 'a' }, { name: 'b' }]) for (const source of sources) source.push(event);
  expect(sent).toEqual({ fast: [], slow: [] });
  await new Promise((resolve) => setTimeout(resolve, 20));
  // In order for both; the slow one's second event waits for its first write.
  expect(sent).toEqual({ fast: ['a', 'b'], slow: ['a'] });
  release();
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(sent).toEqual({ fast: ['a', 'b'], slow: ['a', 'b'] });
  // Executed once per event for the two subscribers that share a key.
  expect(resolved).toBe(2);

  for (const source of sources) source.end(new Error('the feed failed'));
  await Promise.all(streams.map((ended) => expect(ended).rejects.toThrow('the feed failed')));
});
