import { ApolloServer } from '@apollo/server';
import {
  GraphQLBoolean,
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

/**
 * The arguments a resolver was given, as they were coerced: a field left out is absent, a null is null, and keys
 * are sorted so that only what was given counts.
 */
function printArguments(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(printArguments);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).sort(([a], [b]) => a.localeCompare(b));
  return Object.fromEntries(entries.map(([key, field]) => [key, printArguments(field)]));
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
  // As the API's inputs: a nullable field with a default (keyExportable), a non-null one with a default (keySize),
  // one without (expectedThumbprint), a list of inputs (applications) and an input inside an input.
  // (Not one recursive input: graphql-jit 0.8.9 never finishes compiling a variable of such a type; the API has none.)
  const fields = {
    flag: { type: GraphQLBoolean, defaultValue: true },
    size: { type: new GraphQLNonNull(GraphQLInt), defaultValue: 2048 },
    note: { type: GraphQLString },
  };
  const inner = new GraphQLInputObjectType({ name: 'Inner', fields });
  const options = new GraphQLInputObjectType({
    name: 'Options',
    fields: { ...fields, items: { type: new GraphQLList(new GraphQLNonNull(inner)) }, nested: { type: inner } },
  });
  // Answers the arguments its resolver was given.
  const echo = {
    type: new GraphQLNonNull(GraphQLString),
    args: { options: { type: options }, list: { type: new GraphQLList(GraphQLString) }, count: { type: GraphQLInt, defaultValue: 3 } },
    resolve: (_root: unknown, args: Record<string, unknown>) => JSON.stringify(printArguments(args)),
  };
  return new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        echo,
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
        echo,
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

  // graphql-jit takes a variable that was not sent, standing for an input field, as null (`keyExportable: $e` made a
  // key non-exportable); graphql-js, as the spec, gives the field its default, or leaves it out.
  it.each([
    ['an input field with a default', 'query($f: Boolean) { echo(options: { flag: $f }) }', {}],
    ['a non-null input field with a default', 'query($s: Int) { echo(options: { size: $s }) }', {}],
    ['an input field without a default', 'query($n: String) { echo(options: { note: $n }) }', {}],
    ['input fields in a list', 'query($n: String, $f: Boolean) { echo(options: { items: [{ note: $n }, { flag: $f, size: 1 }] }) }', {}],
    ['an input field in an input', 'query($f: Boolean, $s: Int) { echo(options: { nested: { flag: $f, size: $s } }) }', {}],
    ['an input field in a mutation', 'mutation($f: Boolean, $s: Int) { echo(options: { flag: $f, size: $s, note: "x" }) }', {}],
    ['an input field in a fragment', 'query($f: Boolean) { ...F } fragment F on Query { echo(options: { flag: $f }) }', {}],
    ['an input field, with no variables at all', 'query($f: Boolean) { echo(options: { flag: $f }) }', undefined],
    ['some variables sent, one not', 'query($f: Boolean, $n: String) { echo(options: { flag: $f, note: $n }) }', { n: 'sent' }],
    ['an input field given null', 'query($f: Boolean, $n: String) { echo(options: { flag: $f, note: $n }) }', { f: null, n: null }],
    ['an input field given a value', 'query($f: Boolean, $s: Int) { echo(options: { flag: $f, size: $s }) }', { f: false, s: 4096 }],
    ['a variable with its own default', 'query($f: Boolean = false, $n: String = "d") { echo(options: { flag: $f, note: $n }) }', {}],
    ['arguments', 'query($c: Int, $l: [String], $o: Options) { echo(count: $c, list: $l, options: $o) }', {}],
    ['arguments given null', 'query($c: Int, $l: [String], $o: Options) { echo(count: $c, list: $l, options: $o) }', { c: null, l: null, o: null }],
    ['list items', 'query($a: String) { echo(list: ["x", $a]) }', {}],
    ['list items given null', 'query($a: String) { echo(list: ["x", $a]) }', { a: null }],
  ])('answers a variable not sent for %s exactly as graphql-js does', async (_name, query, variables) => {
    const { expected, actual } = await answers(query, variables);
    expect(expected?.body).toMatchObject({ singleResult: { data: {} } });
    expect(actual).toEqual(expected);
  });

  it('leaves to graphql-js only the requests that leave out a variable standing for an input field', async () => {
    const server = new ApolloServer({ gateway: compiledExecutionGateway(createSchema([])) });
    await server.start();
    try {
      const query = 'query($f: Boolean, $c: Int) { echo(count: $c, options: { flag: $f }) }';
      const run = async (variables: Record<string, unknown>) => (await server.executeOperation({ query, variables })).body;
      compileQuery.mockClear();
      expect(await run({ c: 1 })).toMatchObject({ singleResult: { data: { echo: '{"count":1,"options":{"flag":true,"size":2048}}' } } });
      expect(compileQuery).not.toHaveBeenCalled();
      expect(await run({ f: false })).toMatchObject({ singleResult: { data: { echo: '{"count":3,"options":{"flag":false,"size":2048}}' } } });
      expect(compileQuery).toHaveBeenCalledTimes(1);
    } finally {
      await server.stop();
    }
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
