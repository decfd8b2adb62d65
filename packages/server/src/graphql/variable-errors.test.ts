import {
  execute,
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  getOperationAST,
  parse,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { nullVariableWhereRequired, variableErrors, withoutSubmittedValues } from './variable-errors.js';

const SECRET = 'Hunter2-very-secret';

/** A scalar whose own reasons quote the value, as graphql-scalars' do. */
const token = new GraphQLScalarType({
  name: 'Token',
  parseValue(value) {
    if (typeof value === 'string' && value.startsWith('tok_')) return value;
    throw new TypeError(`Token cannot represent ${JSON.stringify(value)}`);
  },
});
const role = new GraphQLEnumType({ name: 'Role', values: { VIEWER: {}, OPERATOR: {} } });
const credentials = new GraphQLInputObjectType({
  name: 'Credentials',
  fields: {
    username: { type: new GraphQLNonNull(GraphQLString) },
    password: { type: new GraphQLNonNull(GraphQLString) },
    size: { type: new GraphQLNonNull(GraphQLInt), defaultValue: 1 },
  },
});
const input = new GraphQLInputObjectType({
  name: 'Input',
  fields: {
    credentials: { type: credentials },
    items: { type: new GraphQLList(new GraphQLNonNull(credentials)) },
    roles: { type: new GraphQLList(role) },
    token: { type: token },
  },
});
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      run: { type: GraphQLBoolean, args: { input: { type: input } }, resolve: () => true },
      fail: { type: GraphQLBoolean, args: { flag: { type: GraphQLBoolean } }, resolve: () => true },
    },
  }),
});

const document = parse('query($i: Input!, $n: Int = 3, $b: Boolean) { run(input: $i) fail(flag: $b) n: fail(flag: true) @skip(if: false) }');
const operation = getOperationAST(document)!;
/** The messages of the errors for these variables (the other ones valid). */
const messagesFor = (variables: Record<string, unknown>) => variableErrors(schema, operation, variables)?.map((error) => error.message);

describe('variableErrors', () => {
  it('is undefined when every variable coerces, with or without defaults', () => {
    expect(variableErrors(schema, operation, { i: { credentials: { username: 'a', password: 'b' } } })).toBeUndefined();
    expect(variableErrors(schema, operation, { i: {}, n: 4, b: null })).toBeUndefined();
  });

  it.each([
    [
      'a String given a number',
      { i: { credentials: { username: 'a', password: 31337 } } },
      ' at "i.credentials.password": Expected a value of type "String".',
    ],
    ['an enum given an unknown value', { i: { roles: ['VIEWER', SECRET] } }, ' at "i.roles[1]": Expected a value of type "Role".'],
    ['a list given one wrong value', { i: { roles: SECRET } }, ' at "i.roles": Expected a value of type "Role".'],
    ['a scalar whose reason quotes the value', { i: { token: SECRET } }, ' at "i.token": Expected a value of type "Token".'],
    [
      'an object in a list of objects',
      {
        i: {
          items: [
            { username: 'a', password: 'b' },
            { username: SECRET, password: 5 },
          ],
        },
      },
      ' at "i.items[1].password": Expected a value of type "String".',
    ],
    [
      'an extra field',
      { i: { credentials: { username: 'a', password: SECRET, extra: SECRET } } },
      ' at "i.credentials": Field "extra" is not defined by type "Credentials".',
    ],
    [
      'a field missing',
      { i: { credentials: { password: SECRET } } },
      ' at "i.credentials": Field "username" of required type "String!" was not provided.',
    ],
    ['a null where a value is required', { i: { items: [null] } }, ' at "i.items[0]": Expected non-nullable type "Credentials!" not to be null.'],
    ['a value for an object', { i: SECRET }, ': Expected type "Input" to be an object.'],
  ])('names the variable, the path and the reason for %s, never the value', (_name, variables, reason) => {
    expect(messagesFor(variables)).toEqual([`Variable "$i" got an invalid value${reason}`]);
  });

  it('keeps graphql-js words for a variable missing, or null where one is required', () => {
    expect(messagesFor({})).toEqual(['Variable "$i" of required type "Input!" was not provided.']);
    expect(messagesFor({ i: null, n: 'many' })).toEqual([
      'Variable "$i" of non-null type "Input!" must not be null.',
      'Variable "$n" got an invalid value: Expected a value of type "Int".',
    ]);
  });

  it('suggests no field names', () => {
    expect(messagesFor({ i: { credential: {} } })).toEqual([
      'Variable "$i" got an invalid value: Field "credential" is not defined by type "Input".',
    ]);
  });

  it('codes each error BAD_USER_INPUT, located at its variable', () => {
    const [error] = variableErrors(schema, operation, { i: { token: 1 } })!;
    expect(error!.extensions).toEqual({ code: 'BAD_USER_INPUT' });
    expect(error!.locations).toEqual([{ line: 1, column: 7 }]);
  });

  it('stops after 50 errors, as graphql-js does', () => {
    const messages = messagesFor({ i: { roles: Array.from({ length: 60 }, () => SECRET) } })!;
    expect(messages).toHaveLength(51);
    expect(messages.at(-1)).toBe('Too many errors processing variables, error limit reached. Execution aborted.');
    expect(messages.join('\n')).not.toContain(SECRET);
  });
});

describe('withoutSubmittedValues', () => {
  const run = (variables: Record<string, unknown>) => {
    const args = { schema, document, variableValues: variables };
    const result = execute(args);
    if (result instanceof Promise) throw new Error('expected a synchronous result');
    return { result, outcome: withoutSubmittedValues(result, args) };
  };

  it('gives graphql-js refusing the variables their errors without the values', () => {
    const { result, outcome } = run({ i: { credentials: { username: 'a', password: 42 }, extra: SECRET } });
    expect(JSON.stringify(result.errors)).toContain(SECRET);
    expect(outcome).toEqual({ errors: variableErrors(schema, operation, { i: { credentials: { username: 'a', password: 42 }, extra: SECRET } }) });
    expect(JSON.stringify(outcome)).not.toContain(SECRET);
  });

  it('returns any other result as it is', () => {
    const { result, outcome } = run({ i: {} });
    expect(result.data).toBeDefined();
    expect(outcome).toBe(result);
    const refused = { errors: [new Error('the source failed') as never] };
    expect(withoutSubmittedValues(refused, { schema, document, variableValues: { i: {} } })).toBe(refused);
  });
});

describe('nullVariableWhereRequired', () => {
  const refusal = (text: string, variables: Record<string, unknown>) => {
    const parsed = parse(text);
    return nullVariableWhereRequired(schema, parsed, getOperationAST(parsed)!, variables)?.message;
  };

  it('refuses null for a nullable variable with a default used where a value is required, also in a fragment or a list', () => {
    const inLiteral = `query($u: String = "a") { run(input: { credentials: { username: $u, password: "${SECRET}" } }) }`;
    expect(refusal(inLiteral, { u: null })).toBe('Variable "$u" must not be null: it is used where a value of type "String!" is required.');
    const inFragment = `query($u: String = "a") { ...F } fragment F on Query { run(input: { items: [{ username: "x", password: $u }] }) }`;
    expect(refusal(inFragment, { u: null })).toBe('Variable "$u" must not be null: it is used where a value of type "String!" is required.');
    const asItem = 'query($c: Credentials = { username: "a", password: "b" }) { run(input: { items: [$c] }) }';
    expect(refusal(asItem, { c: null })).toBe('Variable "$c" must not be null: it is used where a value of type "Credentials!" is required.');
  });

  it('accepts the variable left out, given a value, or null where null is allowed', () => {
    const text = 'query($u: String = "a", $t: Token) { run(input: { credentials: { username: $u, password: "p" }, token: $t }) }';
    expect(refusal(text, {})).toBeUndefined();
    expect(refusal(text, { u: 'b', t: null })).toBeUndefined();
    expect(refusal('query($i: Input!) { run(input: $i) }', { i: null })).toBeUndefined();
  });
});
