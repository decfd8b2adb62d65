import { ApolloServer } from '@apollo/server';
import {
  GraphQLError,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
} from 'graphql';
import type * as GraphQLJit from 'graphql-jit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { compiledExecutionGateway, READ_LAZILY } from './compiled-execution.js';

// Counts compilations; each still compiles with graphql-jit.
const { compileQuery } = vi.hoisted(() => ({ compileQuery: vi.fn() }));
vi.mock('graphql-jit', async (importOriginal) => {
  const original = await importOriginal<typeof GraphQLJit>();
  compileQuery.mockImplementation(original.compileQuery);
  return { ...original, compileQuery };
});

interface Item {
  name: string;
  tags: string[];
}

/** A small schema with what the API uses: a lazily counted total, lists, a failing field, input defaults, a mutation. */
function createSchema(calls: string[]) {
  const items: Item[] = [
    { name: 'first', tags: ['a'] },
    { name: 'second', tags: [] },
  ];
  const item = new GraphQLObjectType<Item>({
    name: 'Item',
    fields: {
      name: { type: new GraphQLNonNull(GraphQLString) },
      tags: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(GraphQLString))) },
      broken: {
        type: GraphQLString,
        resolve: () => {
          throw new GraphQLError('broken on purpose', { extensions: { code: 'BROKEN' } });
        },
      },
      failing: {
        type: GraphQLString,
        resolve: () => {
          throw new Error('an unexpected error');
        },
      },
    },
  });
  const page = new GraphQLObjectType({
    name: 'Page',
    fields: {
      items: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(item))) },
      totalCount: { type: new GraphQLNonNull(GraphQLInt), extensions: READ_LAZILY },
    },
  });
  const filter = new GraphQLInputObjectType({
    name: 'Filter',
    fields: { nameContains: { type: GraphQLString }, limit: { type: new GraphQLNonNull(GraphQLInt), defaultValue: 10 } },
  });
  return new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        page: {
          type: new GraphQLNonNull(page),
          args: { filter: { type: filter } },
          resolve: async (_root, { filter }: { filter?: { nameContains?: string; limit: number } }) => {
            const found = items.filter((candidate) => candidate.name.includes(filter?.nameContains ?? '')).slice(0, filter?.limit ?? 10);
            // As the API's connections: the total is counted when read.
            return {
              items: found,
              get totalCount() {
                return Promise.resolve(found.length);
              },
            };
          },
        },
      },
    }),
    mutation: new GraphQLObjectType({
      name: 'Mutation',
      fields: {
        record: {
          type: new GraphQLNonNull(GraphQLString),
          args: { name: { type: new GraphQLNonNull(GraphQLString) } },
          resolve: async (_root, { name }: { name: string }) => {
            calls.push(`start ${name}`);
            await new Promise((resolve) => setTimeout(resolve, 5));
            calls.push(`end ${name}`);
            return name;
          },
        },
      },
    }),
  });
}

const graphqlJsCalls: string[] = [];
const compiledCalls: string[] = [];
const withGraphqlJs = new ApolloServer({ schema: createSchema(graphqlJsCalls) });
const compiled = new ApolloServer({ gateway: compiledExecutionGateway(createSchema(compiledCalls)) });

beforeAll(() => Promise.all([withGraphqlJs.start(), compiled.start()]));
afterAll(() => Promise.all([withGraphqlJs.stop(), compiled.stop()]));

async function answers(query: string, variables?: Record<string, unknown>) {
  const [expected, actual] = await Promise.all(
    [withGraphqlJs, compiled].map(async (server) => {
      const { body, http } = await server.executeOperation({ query, variables });
      return { body, status: http.status };
    }),
  );
  return { expected, actual };
}

describe('compiled execution', () => {
  it.each([
    ['a lazily counted total', '{ page { totalCount } }', undefined],
    ['a page with its total and lists', '{ page { items { name tags } totalCount } }', undefined],
    [
      'an input with an omitted non-null field that has a default',
      'query($f: Filter) { page(filter: $f) { totalCount items { name } } }',
      { f: { nameContains: 'sec' } },
    ],
    ['an inline input', '{ page(filter: { nameContains: "fir", limit: 1 }) { items { name } } }', undefined],
    ['a field error, with its path, location and code', '{ page { items { name broken } } }', undefined],
    ['an unexpected error in a field', '{ page { items { failing } } }', undefined],
    ['a missing required variable', 'query($f: Filter!) { page(filter: $f) { totalCount } }', {}],
    [
      'aliases, fragments, @skip and @include',
      'query($yes: Boolean!) { p: page { ...F n: totalCount @skip(if: $yes) } } fragment F on Page { items { name @include(if: $yes) } }',
      { yes: true },
    ],
  ])('answers %s exactly as graphql-js does', async (_name, query, variables) => {
    const { expected, actual } = await answers(query, variables);
    expect(actual).toEqual(expected);
  });

  it('answers variables of the wrong type as graphql-js does, in words without the value', async () => {
    const { expected, actual } = await answers('query($f: Filter) { page(filter: $f) { totalCount } }', { f: { limit: 'many' } });
    const resultOf = (answer: typeof expected) => (answer?.body.kind === 'single' ? answer.body.singleResult : undefined);
    const [error] = resultOf(expected)?.errors ?? [];
    expect(error?.message).toContain('"many"');
    const message = 'Variable "$f" got an invalid value at "f.limit": Expected a value of type "Int".';
    expect(actual?.status).toBe(expected?.status);
    expect(resultOf(actual)).toEqual({ ...resultOf(expected), errors: [{ ...error, message }] });
  });

  it('gives the fields marked READ_LAZILY a resolver returning their value, and no other field', () => {
    // graphql-jit reads a field without a resolver as a plain value; the API's totals are promises.
    const schema = createSchema([]);
    compiledExecutionGateway(schema);
    const fields = (schema.getType('Page') as GraphQLObjectType).getFields();
    expect(fields.totalCount!.resolve?.({ totalCount: 7 }, {}, undefined, undefined as never)).toBe(7);
    expect(fields.items!.resolve).toBeUndefined();
  });

  it('compiles an operation once, and keeps the operations of the documents used last only', async () => {
    const server = new ApolloServer({ gateway: compiledExecutionGateway(createSchema([]), 2) });
    await server.start();
    try {
      const run = async (query: string) => expect((await server.executeOperation({ query })).body).toMatchObject({ singleResult: { data: {} } });
      compileQuery.mockClear();
      for (const query of ['{ page { totalCount } }', '{ page { totalCount } }', '{ a: page { totalCount } }', '{ page { totalCount } }'])
        await run(query);
      expect(compileQuery).toHaveBeenCalledTimes(2);
      // A third document pushes out the least recently used one, which is compiled again when it comes back.
      for (const query of ['{ b: page { totalCount } }', '{ page { totalCount } }', '{ a: page { totalCount } }']) await run(query);
      expect(compileQuery).toHaveBeenCalledTimes(4);
    } finally {
      await server.stop();
    }
  });

  it('runs mutations one after the other, as graphql-js does', async () => {
    const { expected, actual } = await answers('mutation { a: record(name: "a") b: record(name: "b") }');
    expect(actual).toEqual(expected);
    expect(compiledCalls).toEqual(['start a', 'end a', 'start b', 'end b']);
  });
});
