import { describe, expect, it } from 'vitest';
import { useTestServer } from '../support/test-server.js';
import { expectNothingLeaked } from '../support/leaks.js';
import { graphqlOverWebSocket } from '../support/web-socket.js';

const server = useTestServer({ clearBeforeEach: false });

/** A document refused by validation for a literal of the wrong shape: the secret it holds, and the one error expected for it. */
interface Refusal {
  name: string;
  query: string;
  secret: string;
  message: string;
}

const signIn = (input: string) => `mutation { signIn(input: ${input}) { errors { code } } }`;
const createUser = (input: string) => `mutation { createUser(input: ${input}) { errors { code } } }`;

const refusals: Refusal[] = [
  {
    // graphql's String says `String cannot represent a non string value: 77712345`.
    name: 'an integer where the password is a string',
    query: signIn('{ username: "admin", password: 77712345 }'),
    secret: '77712345',
    message:
      'Argument "input" of field "signIn" has an invalid value at "input.password": Expected a value of type "String!", found an integer that it cannot represent.',
  },
  {
    name: 'a string where an integer is expected',
    query: 'query { organizations(first: "FirstSecret-2112") { totalCount } }',
    secret: 'FirstSecret-2112',
    message:
      'Argument "first" of field "organizations" has an invalid value: Expected a value of type "Int", found a string that it cannot represent.',
  },
  {
    name: 'a string where the whole input object is expected',
    query: signIn('"WholeInputSecret-1"'),
    secret: 'WholeInputSecret-1',
    message: 'Argument "input" of field "signIn" has an invalid value: Expected a value of type "SignInInput!", found a string.',
  },
  {
    name: 'an object where a list item is an id',
    query: createUser('{ username: "leaky", password: "long-enough-password", role: VIEWER, organizationIds: ["a", { pw: "ListSecret-99" }] }'),
    secret: 'ListSecret-99',
    message:
      'Argument "input" of field "createUser" has an invalid value at "input.organizationIds[1]": Expected a value of type "ID!", found an object that it cannot represent.',
  },
  {
    name: 'a list where the password is a string',
    query: signIn('{ username: "admin", password: ["ListedSecret-7"] }'),
    secret: 'ListedSecret-7',
    message:
      'Argument "input" of field "signIn" has an invalid value at "input.password": Expected a value of type "String!", found a list that it cannot represent.',
  },
  {
    name: 'an integer where a nested PFX password is a string',
    query:
      'mutation($f: Upload!) { updateCertificate(input: { organizationId: "o", applications: [], pfx: { file: $f, password: 5150777 } }) { errors { code } } }',
    secret: '5150777',
    message:
      'Argument "input" of field "updateCertificate" has an invalid value at "input.pfx.password": Expected a value of type "String", found an integer that it cannot represent.',
  },
  {
    name: 'an enum value the enum does not have',
    query: createUser('{ username: "leaky", password: "long-enough-password", role: EnumSecret_31337 }'),
    secret: 'EnumSecret_31337',
    message:
      'Argument "input" of field "createUser" has an invalid value at "input.role": Expected a value of type "Role!", found an enum value that it cannot represent.',
  },
  {
    // graphql's enums say `Enum "Role" cannot represent non-enum value: "…".`
    name: 'a string where an enum value is expected',
    query: createUser('{ username: "leaky", password: "long-enough-password", role: "StringedSecret-8" }'),
    secret: 'StringedSecret-8',
    message:
      'Argument "input" of field "createUser" has an invalid value at "input.role": Expected a value of type "Role!", found a string that it cannot represent.',
  },
  {
    // graphql-scalars' DateTimeISO says `DateTime cannot represent an invalid date-time-string …`.
    name: 'a string a custom scalar refuses',
    query: 'query { auditLog(filter: { from: "DateSecret-1999" }) { totalCount } }',
    secret: 'DateSecret-1999',
    message:
      'Argument "filter" of field "auditLog" has an invalid value at "filter.from": Expected a value of type "DateTimeISO", found a string that it cannot represent.',
  },
  {
    name: 'an integer in a variable default value',
    query: 'mutation($i: SignInInput = { username: "admin", password: 24681357 }) { signIn(input: $i) { errors { code } } }',
    secret: '24681357',
    message:
      'Variable "$i" has an invalid default value at "i.password": Expected a value of type "String!", found an integer that it cannot represent.',
  },
  {
    name: 'a string in a directive argument',
    query: 'query { me @include(if: "DirectiveSecret-3") { name } }',
    secret: 'DirectiveSecret-3',
    message:
      'Argument "if" of directive "@include" has an invalid value: Expected a value of type "Boolean!", found a string that it cannot represent.',
  },
  {
    name: 'null where the password is required',
    query: signIn('{ username: "NullSecretUser-5", password: null }'),
    secret: 'NullSecretUser-5',
    message: 'Argument "input" of field "signIn" has an invalid value at "input.password": Expected a value of type "String!", found null.',
  },
];

/** Refusals whose messages name no value already: they keep saying where, in the same words as the others. */
const valueFreeRefusals: Refusal[] = [
  {
    name: 'a misspelt field next to a password',
    query: createUser('{ username: "leaky", password: "long-enough-password", role: VIEWER, pasword: "TypoSecret-6" }'),
    secret: 'TypoSecret-6',
    message: 'Argument "input" of field "createUser" has an invalid value: Field "pasword" is not defined by type "CreateUserInput".',
  },
  {
    name: 'a required field left out',
    query: signIn('{ username: "MissingSecret-4" }'),
    secret: 'MissingSecret-4',
    message: 'Argument "input" of field "signIn" has an invalid value: Field "SignInInput.password" of required type "String!" was not provided.',
  },
];

describe.each([
  ['HTTP', (query: string) => server.graphql(query)],
  ['WebSocket', (query: string) => graphqlOverWebSocket(server.graphqlUrl, server.adminToken, query)],
])('a literal refused by validation, over %s', (_transport, send) => {
  it.each([...refusals, ...valueFreeRefusals])(
    'is GRAPHQL_VALIDATION_FAILED naming where and why, never the value: $name',
    async ({ query, secret, message }) => {
      const logsBefore = server.logs.length;
      const response = await send(query);
      expect(response.data).toBeUndefined();
      expect(response.errors).toMatchObject([{ message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }]);
      expectNothingLeaked(server.logs, response, secret, logsBefore);
    },
  );

  it('reports every refused literal of a document, each where it is', async () => {
    const response = await send(
      'mutation { a: signIn(input: { username: 1, password: 2 }) { errors { code } } b: signIn(input: { username: "u", password: "p" }) { errors { code } } }',
    );
    expect(response.errors?.map((error) => error.message)).toEqual([
      'Argument "input" of field "signIn" has an invalid value at "input.username": Expected a value of type "String!", found an integer that it cannot represent.',
      'Argument "input" of field "signIn" has an invalid value at "input.password": Expected a value of type "String!", found an integer that it cannot represent.',
    ]);
  });
});

describe('a literal refused by validation over HTTP', () => {
  it('answers 400, as Apollo answers every document it refuses', async () => {
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` },
      body: JSON.stringify({ query: signIn('{ username: "admin", password: 4444 }') }),
    });
    expect(response.status).toBe(400);
  });

  it('answers 400 for a nullable variable given null where a value is required, as for other variable errors', async () => {
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` },
      body: JSON.stringify({ query: 'query($id: ID = "o") { organization(id: $id) { id } }', variables: { id: null } }),
    });
    expect(response.status).toBe(400);
  });
});

/**
 * A variable declared nullable may stand where a value is required when it has a default (graphql's
 * validation allows it); given null, graphql-js' execution refuses the argument by printing its literal:
 * `Argument "input" has invalid value {username: $u, password: "…"}.`, logged as an unexpected error.
 */
describe.each([
  ['HTTP', (query: string, variables: Record<string, unknown>) => server.graphql(query, variables)],
  ['WebSocket', (query: string, variables: Record<string, unknown>) => graphqlOverWebSocket(server.graphqlUrl, server.adminToken, query, variables)],
])('a nullable variable given null where a value is required, over %s', (_transport, send) => {
  it('is BAD_USER_INPUT naming the variable, before anything runs, never the literal around it', async () => {
    const logsBefore = server.logs.length;
    const response = await send(
      'mutation($u: String = "admin") { signIn(input: { username: $u, password: "LiteralSecret-6502" }) { errors { code } } }',
      { u: null },
    );
    expect(response.data).toBeUndefined();
    expect(response.errors).toMatchObject([
      { message: 'Variable "$u" must not be null: it is used where a value of type "String!" is required.', extensions: { code: 'BAD_USER_INPUT' } },
    ]);
    expectNothingLeaked(server.logs, response, 'LiteralSecret-6502', logsBefore);
  });

  it('is BAD_USER_INPUT when the variable is the whole argument', async () => {
    const logsBefore = server.logs.length;
    const response = await send(
      'mutation($i: SignInInput = { username: "admin", password: "DefaultSecret-6809" }) { signIn(input: $i) { errors { code } } }',
      { i: null },
    );
    expect(response.errors).toMatchObject([
      {
        message: 'Variable "$i" must not be null: it is used where a value of type "SignInInput!" is required.',
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ]);
    expectNothingLeaked(server.logs, response, 'DefaultSecret-6809', logsBefore);
  });

  it('takes the default when the variable is left out', async () => {
    const response = await send('query($n: Int = 5) { organizations(first: $n) { totalCount } }', {});
    expect(response.errors).toBeUndefined();
  });
});
