import { describe, expect, it } from 'vitest';
import { Role } from '../../src/common/actor.js';
import { opensslPfx, rsaCertificate } from '../support/pfx-fixtures.js';
import { useTestServer } from '../support/test-server.js';
import { expectNothingLeaked } from '../support/leaks.js';
import { graphqlOverWebSocket } from '../support/web-socket.js';

const server = useTestServer({ clearBeforeEach: false });

const createUser = 'mutation($i: CreateUserInput!) { createUser(input: $i) { errors { code } } }';
const signIn = 'mutation($i: SignInInput!) { signIn(input: $i) { errors { code } } }';

/** A variable refused by coercion: the secret it holds, and the one error expected for it. */
interface Refusal {
  name: string;
  query: string;
  variables: Record<string, unknown>;
  secret: string;
  message: string;
}

const refusals: Refusal[] = [
  {
    name: 'an extra field next to a password',
    query: createUser,
    variables: { i: { username: 'leaky', password: 'LeakedTempPassword-777', role: 'VIEWER', extra: true } },
    secret: 'LeakedTempPassword-777',
    message: 'Variable "$i" got an invalid value: Field "extra" is not defined by type "CreateUserInput".',
  },
  {
    name: 'an extra field in the sign-in input',
    query: signIn,
    variables: { i: { username: 'admin', password: 'SignInSecret-4242', extra: true } },
    secret: 'SignInSecret-4242',
    message: 'Variable "$i" got an invalid value: Field "extra" is not defined by type "SignInInput".',
  },
  {
    // graphql's String says `String cannot represent a non string value: 777123456789`.
    name: 'a password the String scalar cannot read',
    query: createUser,
    variables: { i: { username: 'leaky', password: 777_123_456_789, role: 'VIEWER' } },
    secret: '777123456789',
    message: 'Variable "$i" got an invalid value at "i.password": Expected a value of type "String".',
  },
  {
    name: 'a value no enum value has',
    query: createUser,
    variables: { i: { username: 'leaky', password: 'long-enough-password', role: 'EnumSecret-31337' } },
    secret: 'EnumSecret-31337',
    message: 'Variable "$i" got an invalid value at "i.role": Expected a value of type "Role".',
  },
  {
    name: 'an object in a list of ids',
    query: createUser,
    variables: { i: { username: 'leaky', password: 'long-enough-password', role: 'VIEWER', organizationIds: ['a', { pw: 'ListSecret-99' }] } },
    secret: 'ListSecret-99',
    message: 'Variable "$i" got an invalid value at "i.organizationIds[1]": Expected a value of type "ID".',
  },
];

describe.each([
  ['HTTP', (query: string, variables: Record<string, unknown>) => server.graphql(query, variables)],
  ['WebSocket', (query: string, variables: Record<string, unknown>) => graphqlOverWebSocket(server.graphqlUrl, server.adminToken, query, variables)],
])('a variable refused by coercion, over %s', (_transport, send) => {
  it.each(refusals)('is BAD_USER_INPUT naming where and why, never the value: $name', async ({ query, variables, secret, message }) => {
    const logsBefore = server.logs.length;
    const response = await send(query, variables);
    expect(response.data).toBeUndefined();
    expect(response.errors).toMatchObject([{ message, extensions: { code: 'BAD_USER_INPUT' } }]);
    expectNothingLeaked(server.logs, response, secret, logsBefore);
  });

  it('keeps the messages that hold no value', async () => {
    const missing = await send(createUser, {});
    expect(missing.errors).toMatchObject([
      { message: 'Variable "$i" of required type "CreateUserInput!" was not provided.', extensions: { code: 'BAD_USER_INPUT' } },
    ]);
    const nullField = await send(createUser, { i: { username: null, password: 'long-enough-password', role: 'VIEWER' } });
    expect(nullField.errors).toMatchObject([
      {
        message: 'Variable "$i" got an invalid value at "i.username": Expected non-nullable type "String!" not to be null.',
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ]);
  });
});

describe('a subscription variable refused by coercion, over WebSocket', () => {
  it('is BAD_USER_INPUT naming where and why, never the value', async () => {
    const logsBefore = server.logs.length;
    const response = await graphqlOverWebSocket(
      server.graphqlUrl,
      server.adminToken,
      'subscription($f: CertificateEventFilter) { certificateEvents(filter: $f) { id } }',
      { f: { types: ['SubscriptionSecret-8080'] } },
    );
    expect(response.errors).toMatchObject([
      {
        message: 'Variable "$f" got an invalid value at "f.types[0]": Expected a value of type "CertificateEventType".',
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ]);
    expectNothingLeaked(server.logs, response, 'SubscriptionSecret-8080', logsBefore);
  });
});

describe('a multipart request refused by coercion', () => {
  it('names neither the PFX password nor the upload internals', async () => {
    const operator = await server.tokenFor(Role.OPERATOR);
    const logsBefore = server.logs.length;
    const password = 'SuperSecretPfxPw123';
    const pfx = opensslPfx({ certificate: rsaCertificate({ commonName: 'Variable errors' }), password });
    const response = await server.upload(
      'query($input: InspectPfxInput!) { inspectPfx(input: $input) { problems { code } } }',
      { input: { file: null, password, keyExportable: true } },
      { path: 'variables.input.file', content: pfx.file },
      { 'apollo-require-preflight': 'true' },
      operator,
    );
    expect(response.errors).toMatchObject([
      {
        message: 'Variable "$input" got an invalid value: Field "keyExportable" is not defined by type "InspectPfxInput".',
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ]);
    expect(JSON.stringify(response)).not.toMatch(/resolve|promise|function/);
    expectNothingLeaked(server.logs, response, password, logsBefore);
  });

  it('names no password nested in the input', async () => {
    const logsBefore = server.logs.length;
    const password = 'NestedPfxSecret-5150';
    const response = await server.upload(
      'mutation($input: UpdateCertificateInput!) { updateCertificate(input: $input) { errors { code } } }',
      { input: { organizationId: 'o', applications: [], pfx: { file: null, password, extra: 1 } } },
      { path: 'variables.input.pfx.file', content: Buffer.from('not a pfx') },
    );
    expect(response.errors).toMatchObject([
      {
        message: 'Variable "$input" got an invalid value at "input.pfx": Field "extra" is not defined by type "PfxFileInput".',
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ]);
    expectNothingLeaked(server.logs, response, password, logsBefore);
  });
});
