import { GraphQLObjectType, GraphQLSchema, GraphQLString, parse, type ExecutionResult } from 'graphql';
import { expect, it } from 'vitest';
import { sharedSubscriptionExecution } from './shared-subscription-execution.js';

/** A schema whose subscription yields the given events and counts how often its field is resolved. */
function counting(events: object[]) {
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
              yield* events;
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

async function collect(stream: AsyncIterableIterator<ExecutionResult> | ExecutionResult): Promise<unknown[]> {
  const results: unknown[] = [];
  for await (const result of stream as AsyncIterableIterator<ExecutionResult>) results.push(result.data);
  return results;
}

it('executes the selection once per event for subscribers that share a key, and apart for the others', async () => {
  const events = [{ name: 'a' }, { name: 'b' }];
  const { schema, counter } = counting(events);
  const document = parse('subscription { events { name } }');
  const keys = new Map<object, string | undefined>();
  const subscribe = sharedSubscriptionExecution((args) => keys.get(args.contextValue as object));
  const subscriber = (prefix: string, key: string | undefined) => {
    const contextValue = { prefix };
    keys.set(contextValue, key);
    return subscribe({ schema, document, contextValue });
  };

  const [first, second, other, alone] = await Promise.all([
    collect(await subscriber('x-', 'shared')),
    collect(await subscriber('ignored-', 'shared')),
    collect(await subscriber('y-', 'other')),
    collect(await subscriber('z-', undefined)),
  ]);

  // The second subscriber shares the first one's results (its context is not used: same key, same result).
  expect(first).toEqual([{ events: { name: 'x-a' } }, { events: { name: 'x-b' } }]);
  expect(second).toEqual(first);
  expect(other).toEqual([{ events: { name: 'y-a' } }, { events: { name: 'y-b' } }]);
  expect(alone).toEqual([{ events: { name: 'z-a' } }, { events: { name: 'z-b' } }]);
  // Two events × three executions (shared, other, alone) rather than × four subscribers.
  expect(counter.resolved).toBe(6);
});

it('ends the source stream when the subscriber stops', async () => {
  const { schema, counter } = counting([{ name: 'a' }, { name: 'b' }]);
  const stream = (await sharedSubscriptionExecution(() => 'key')({
    schema,
    document: parse('subscription { events { name } }'),
    contextValue: { prefix: '' },
  })) as AsyncIterableIterator<ExecutionResult>;
  expect((await stream.next()).value).toEqual({ data: { events: { name: 'a' } } });
  await stream.return!();
  expect(counter.ended).toBe(1);
});
