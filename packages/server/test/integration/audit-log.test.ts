import { beforeEach, expect, it } from 'vitest';
import { opensslPfx } from '../support/pfx-fixtures.js';
import { type SeededOrganization, seedOrganization } from '../support/seed.js';
import { testAdmin, testDatabaseKind, useTestServer } from '../support/test-server.js';

const server = useTestServer();
let contoso: SeededOrganization;
let since: string;

beforeEach(async () => {
  contoso = await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', [
    { displayName: 'Contoso 1', certificate: { validFromDays: -1, validToDays: 100 } },
    { displayName: 'Contoso 2' },
  ]);
  since = new Date().toISOString();
});

interface Entry {
  action: string;
  actorKind: string;
  actorId: string;
  actorName: string;
  organizationId: string | null;
  clientIp: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
}

async function entriesSince(filter: Record<string, unknown> = {}): Promise<Entry[]> {
  const { data, errors } = await server.graphql<{ auditLog: { edges: { node: Entry }[] } }>(
    'query($filter: AuditLogFilter) { auditLog(first: 100, filter: $filter) { edges { node { action actorKind actorId actorName organizationId clientIp userAgent details } } } }',
    { filter: { from: since, ...filter } },
  );
  expect(errors).toBeUndefined();
  return data!.auditLog.edges
    .map((edge) => edge.node)
    .filter((entry) => entry.actorName !== 'test administrator' || entry.action !== 'API_TOKEN_CREATED');
}

async function importPfx(): Promise<{ id: string; thumbprint: string }> {
  const pfx = opensslPfx();
  const response = await server.upload<{ importCertificate: { certificate: { id: string; thumbprint: string } } }>(
    'mutation($input: ImportCertificateInput!) { importCertificate(input: $input) { certificate { id thumbprint } errors { code } } }',
    { input: { file: null, password: pfx.password } },
    { path: 'variables.input.file', content: pfx.file },
  );
  return response.data!.importCertificate.certificate;
}

it('records a certificate update with the old and new thumbprints, by the real actor, from where it came', async () => {
  const operator = await server.tokenFor('OPERATOR' as never);
  const imported = await importPfx();
  const previous = await server.database.dataSource.query('SELECT thumbprint_sha1 AS thumbprint FROM certificates WHERE id = $1', [
    contoso.applications[0]!.certificateId,
  ]);
  const { data } = await server.graphqlAs<{
    updateCertificate: { applications: { certificateHistory: { changedBy: string }[] }[]; errors: unknown[] };
  }>(
    operator,
    'mutation($input: UpdateCertificateInput!) { updateCertificate(input: $input) { applications { certificateHistory { changedBy } } errors { code } } }',
    {
      input: {
        organizationId: contoso.organization.id,
        applications: contoso.applications.map((application) => ({ applicationId: application.applicationId })),
        storeCertificateId: imported.id,
      },
    },
  );
  expect(data!.updateCertificate.errors).toEqual([]);
  const [entry] = await entriesSince({ actions: ['CERTIFICATE_UPDATED'] });
  const me = await server.graphqlAs<{ me: { name: string } }>(operator, '{ me { name } }');
  expect(entry).toMatchObject({
    actorKind: 'TOKEN',
    actorName: me.data!.me.name,
    organizationId: contoso.organization.id,
    clientIp: expect.stringMatching(/127\.0\.0\.1/),
    userAgent: expect.any(String),
    details: {
      certificateId: imported.id,
      source: 'STORE',
      applications: [
        { applicationId: contoso.applications[0]!.applicationId, previousThumbprint: previous[0].thumbprint, thumbprint: imported.thumbprint },
        { applicationId: contoso.applications[1]!.applicationId, previousThumbprint: null, thumbprint: imported.thumbprint },
      ],
    },
  });
  expect(data!.updateCertificate.applications[0]!.certificateHistory[0]!.changedBy).toBe(entry!.actorId);
});

it('records removals, store imports, generations and removals, each with its organization or certificate', async () => {
  // The removal's entry is written by its DELETE statement: the applications in the order asked, the actor and origin as any entry's.
  const [first, second] = contoso.applications;
  await server.graphql('mutation($input: RemoveApplicationsInput!) { removeApplications(input: $input) { errors { code } } }', {
    input: { organizationId: contoso.organization.id.toUpperCase(), applicationIds: [second!.applicationId.toUpperCase(), first!.applicationId] },
  });
  const imported = await importPfx();
  const generated = await server.graphql<{ generateCertificate: { errors: unknown[] } }>(
    'mutation($notAfter: DateTimeISO!) { generateCertificate(input: { commonName: "Audit", notAfter: $notAfter }) { errors { code } } }',
    { notAfter: new Date(Date.now() + 365 * 86_400_000).toISOString() },
  );
  expect(generated.data!.generateCertificate.errors).toEqual([]);
  await server.graphql('mutation($id: ID!) { removeStoreCertificate(input: { certificateId: $id }) { errors { code } } }', { id: imported.id });

  const entries = await entriesSince();
  expect(entries.map((entry) => entry.action)).toEqual([
    'STORE_CERTIFICATE_REMOVED',
    'STORE_CERTIFICATE_GENERATED',
    'STORE_CERTIFICATE_IMPORTED',
    'APPLICATIONS_REMOVED',
  ]);
  expect(entries[3]).toEqual({
    action: 'APPLICATIONS_REMOVED',
    actorKind: 'TOKEN',
    actorId: expect.stringMatching(/^token:/),
    actorName: 'test administrator',
    organizationId: contoso.organization.id,
    clientIp: expect.stringMatching(/127\.0\.0\.1/),
    userAgent: expect.any(String),
    details: {
      applications: [
        { applicationId: second!.applicationId, displayName: 'Contoso 2' },
        { applicationId: first!.applicationId, displayName: 'Contoso 1' },
      ],
    },
  });
  expect(entries[0]!.details).toMatchObject({ certificateId: imported.id, thumbprint: imported.thumbprint });
});

it('records nothing for a change that was refused or rolled back', async () => {
  const viewer = await server.tokenFor('VIEWER' as never);
  const removal = { input: { organizationId: contoso.organization.id, applicationIds: [contoso.applications[0]!.applicationId] } };
  const removeMutation = 'mutation($input: RemoveApplicationsInput!) { removeApplications(input: $input) { errors { code } } }';
  expect((await server.graphqlAs(viewer, removeMutation, removal)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  const unknown = {
    input: {
      organizationId: contoso.organization.id,
      applicationIds: [contoso.applications[0]!.applicationId, '00000000-0000-4000-8000-000000000000'],
    },
  };
  expect((await server.graphql(removeMutation, unknown)).data).toEqual({ removeApplications: { errors: [{ code: 'APPLICATION_NOT_FOUND' }] } });
  // The PFX is read and stored in the transaction, then the stale thumbprint rolls everything back.
  const pfx = opensslPfx();
  const conflict = await server.upload<{ updateCertificate: { errors: { code: string }[] } }>(
    'mutation($input: UpdateCertificateInput!) { updateCertificate(input: $input) { errors { code } } }',
    {
      input: {
        organizationId: contoso.organization.id,
        applications: [{ applicationId: contoso.applications[1]!.applicationId, expectedThumbprint: 'AB'.repeat(20) }],
        pfx: { file: null, password: pfx.password },
      },
    },
    { path: 'variables.input.pfx.file', content: pfx.file },
  );
  expect(conflict.data!.updateCertificate.errors).toEqual([{ code: 'CERTIFICATE_CONFLICT' }]);
  expect(await entriesSince()).toEqual([]);
});

it('records sign-ins, failed sign-ins, sign-outs, accounts and tokens — never a password or a secret', async () => {
  const failed = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'audit-test/1.0' },
    body: JSON.stringify({ query: 'mutation { signIn(input: { username: "admin", password: "wrong-password-123" }) { errors { code } } }' }),
  });
  expect(await failed.json()).toEqual({ data: { signIn: { errors: [{ code: 'INVALID_CREDENTIALS' }] } } });
  const session = await server.signIn(testAdmin.username, testAdmin.password);
  const created = await server.graphqlAs<{ createUser: { user: { id: string } } }>(
    session,
    'mutation { createUser(input: { username: "audited", password: "temporary-password", role: VIEWER }) { user { id } } }',
  );
  await server.graphqlAs(session, 'mutation($id: ID!) { updateUser(input: { userId: $id, role: OPERATOR }) { errors { code } } }', {
    id: created.data!.createUser.user.id,
  });
  const token = await server.graphqlAs<{ createApiToken: { token: { id: string }; secret: string } }>(
    session,
    'mutation($at: DateTimeISO!) { createApiToken(input: { name: "audited", role: VIEWER, expiresAt: $at }) { token { id } secret } }',
    { at: new Date(Date.now() + 86_400_000).toISOString() },
  );
  await server.graphqlAs(session, 'mutation($id: ID!) { revokeApiToken(input: { tokenId: $id }) { errors { code } } }', {
    id: token.data!.createApiToken.token.id,
  });
  await server.graphqlAs(session, 'mutation { signOut { signedOut } }');

  const entries = await entriesSince();
  expect(entries.map((entry) => `${entry.action} ${entry.actorId}`)).toEqual([
    'SIGN_OUT user:admin',
    'API_TOKEN_REVOKED user:admin',
    'API_TOKEN_CREATED user:admin',
    'USER_UPDATED user:admin',
    'USER_CREATED user:admin',
    'SIGN_IN user:admin',
    'SIGN_IN_FAILED anonymous',
  ]);
  expect(entries.at(-1)).toMatchObject({ actorKind: 'ANONYMOUS', userAgent: 'audit-test/1.0', details: { username: 'admin' } });
  expect(entries[3]!.details).toMatchObject({ role: { from: 'VIEWER', to: 'OPERATOR' }, passwordReset: false });
  const text = JSON.stringify(entries);
  for (const secret of ['wrong-password-123', testAdmin.password, 'temporary-password', token.data!.createApiToken.secret])
    expect(text).not.toContain(secret);
});

it('filters by actor, action, organization and time, and pages newest first', async () => {
  const removeMutation = 'mutation($input: RemoveApplicationsInput!) { removeApplications(input: $input) { errors { code } } }';
  for (const application of contoso.applications) {
    await server.graphql(removeMutation, { input: { organizationId: contoso.organization.id, applicationIds: [application.applicationId] } });
  }
  await importPfx();
  expect(await entriesSince({ organizationId: contoso.organization.id })).toHaveLength(2);
  expect(await entriesSince({ actions: ['STORE_CERTIFICATE_IMPORTED'] })).toHaveLength(1);
  expect(await entriesSince({ actorId: 'user:nobody' })).toEqual([]);
  expect(await entriesSince({ to: since })).toEqual([]);

  const page =
    'query($after: String, $from: DateTimeISO) { auditLog(first: 2, after: $after, filter: { from: $from }) { totalCount edges { node { action } } pageInfo { hasNextPage endCursor } } }';
  type Page = { auditLog: { totalCount: number; edges: { node: { action: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } };
  const first = (await server.graphql<Page>(page, { from: since })).data!.auditLog;
  const second = (await server.graphql<Page>(page, { from: since, after: first.pageInfo.endCursor })).data!.auditLog;
  expect(first.totalCount).toBe(3);
  expect([...first.edges, ...second.edges].map((edge) => edge.node.action)).toEqual([
    'STORE_CERTIFICATE_IMPORTED',
    'APPLICATIONS_REMOVED',
    'APPLICATIONS_REMOVED',
  ]);
  expect([first.pageInfo.hasNextPage, second.pageInfo.hasNextPage]).toEqual([true, false]);

  // The largest bigint starts before every entry; past it, the cursor is invalid, not a failure.
  const cursorOf = (sequence: string) => Buffer.from(JSON.stringify([sequence])).toString('base64url');
  const fromTheTop = await server.graphql<Page>(page, { from: since, after: cursorOf('9223372036854775807') });
  expect(fromTheTop.data!.auditLog.edges).toEqual(first.edges);
  const pastTheTop = await server.graphql<Page>(page, { from: since, after: cursorOf('9223372036854775808') });
  expect(pastTheTop.errors?.map((error) => error.extensions?.code)).toEqual(['INVALID_CURSOR']);
});

it('is append-only: the database refuses to update, delete or truncate an entry', async () => {
  await server.graphql('mutation($input: RemoveApplicationsInput!) { removeApplications(input: $input) { errors { code } } }', {
    input: { organizationId: contoso.organization.id, applicationIds: [contoso.applications[1]!.applicationId] },
  });
  const { dataSource } = server.database;
  await expect(dataSource.query(`UPDATE audit_log SET actor_id = 'someone else'`)).rejects.toThrow(/append-only/);
  await expect(dataSource.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
  await expect(dataSource.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
  expect(await entriesSince()).toHaveLength(1);
});

it('compresses the details of large entries with lz4 where the database has it (PostgreSQL: yes, embedded: no)', async () => {
  const [{ compression }] = await server.database.dataSource.query(
    `SELECT attcompression AS compression FROM pg_attribute WHERE attrelid = 'audit_log'::regclass AND attname = 'details'`,
  );
  expect(compression).toBe(testDatabaseKind === 'postgres' ? 'l' : '');
});
