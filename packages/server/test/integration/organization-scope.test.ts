import { beforeEach, expect, it } from 'vitest';
import { subscribeToEvents } from '../support/event-subscriber.js';
import { type SeededOrganization, seedContosoAndFabrikam } from '../support/seed.js';
import { useTestServer } from '../support/test-server.js';

const server = useTestServer();
let contoso: SeededOrganization;
let fabrikam: SeededOrganization;
let scoped: { bearer: string };

beforeEach(async () => {
  const { dataSource } = server.database;
  ({ contoso, fabrikam } = await seedContosoAndFabrikam(dataSource, { contoso: 2, contosoCertificate: { validFromDays: -1, validToDays: 100 } }));
  // Fabrikam's application shares Contoso 1's certificate: `usedBy` must not reveal it to Contoso's operator.
  await dataSource.query('UPDATE backup_applications SET certificate_id = $1 WHERE id = $2', [
    contoso.applications[0]!.certificateId,
    fabrikam.applications[0]!.id,
  ]);
  scoped = await server.tokenFor('OPERATOR' as never, [contoso.organization.id.toUpperCase()]);
});

const remove =
  'mutation Remove($input: RemoveApplicationsInput!) { removeApplications(input: $input) { removedApplications { displayName } errors { code ids } } }';

it('lists and shows only the organizations of the scope; the others do not exist for it', async () => {
  const list = await server.graphqlAs<{ organizations: { totalCount: number; edges: { node: { name: string } }[] } }>(
    scoped,
    '{ organizations { totalCount edges { node { name } } } }',
  );
  expect(list.data!.organizations).toEqual({ totalCount: 1, edges: [{ node: { name: 'contoso.onmicrosoft.com' } }] });
  const one = await server.graphqlAs(scoped, 'query($id: ID!) { organization(id: $id) { name } }', { id: fabrikam.organization.id });
  expect(one.data).toEqual({ organization: null });
  const usedBy = await server.graphqlAs(scoped, 'query($id: ID!) { certificate(id: $id) { usedBy { displayName } } }', {
    id: contoso.applications[0]!.certificateId,
  });
  expect(usedBy.data).toEqual({ certificate: { usedBy: [{ displayName: 'Contoso 1' }] } });
  expect((await server.graphqlAs(scoped, '{ me { organizationIds } }')).data).toEqual({ me: { organizationIds: [contoso.organization.id] } });
});

it('answers a change in another organization with ORGANIZATION_NOT_FOUND and changes nothing', async () => {
  const outside = await server.graphqlAs(scoped, remove, {
    input: { organizationId: fabrikam.organization.id, applicationIds: [fabrikam.applications[0]!.applicationId] },
  });
  expect(outside.data).toEqual({
    removeApplications: { removedApplications: [], errors: [{ code: 'ORGANIZATION_NOT_FOUND', ids: [fabrikam.organization.id] }] },
  });
  const update = await server.graphqlAs<{ updateCertificate: { errors: { code: string }[] } }>(
    scoped,
    'mutation($input: UpdateCertificateInput!) { updateCertificate(input: $input) { errors { code } } }',
    {
      input: {
        organizationId: fabrikam.organization.id,
        applications: [{ applicationId: fabrikam.applications[0]!.applicationId }],
        storeCertificateId: contoso.applications[0]!.certificateId,
      },
    },
  );
  expect(update.data!.updateCertificate.errors).toEqual([{ code: 'ORGANIZATION_NOT_FOUND' }]);
  const [{ count }] = await server.database.dataSource.query('SELECT count(*)::int AS count FROM backup_applications');
  expect(count).toBe(3);

  const inside = await server.graphqlAs(scoped, remove, {
    input: { organizationId: contoso.organization.id, applicationIds: [contoso.applications[1]!.applicationId] },
  });
  expect(inside.data).toEqual({ removeApplications: { removedApplications: [{ displayName: 'Contoso 2' }], errors: [] } });
});

it('refuses to remove a store certificate an application outside the scope uses, without naming that application', async () => {
  const removeCertificate = (certificateId: string) =>
    server.graphqlAs<{ removeStoreCertificate: { removedCertificate: unknown; errors: { code: string; ids: string[] }[] } }>(
      scoped,
      'mutation($id: ID!) { removeStoreCertificate(input: { certificateId: $id }) { removedCertificate { id } errors { code ids } } }',
      { id: certificateId },
    );
  const shared = contoso.applications[0]!.certificateId!;
  // Used in the scope and outside it: only the application in the scope is named.
  expect((await removeCertificate(shared)).data).toEqual({
    removeStoreCertificate: {
      removedCertificate: null,
      errors: [{ code: 'STORE_CERTIFICATE_IN_USE', ids: [contoso.applications[0]!.applicationId] }],
    },
  });
  // Used outside the scope only: still refused (it is in use), naming nothing, as `usedBy` shows nothing.
  const { dataSource } = server.database;
  await dataSource.query('UPDATE backup_applications SET certificate_id = NULL WHERE id = $1', [contoso.applications[0]!.id]);
  const usedBy = await server.graphqlAs(scoped, 'query($id: ID!) { certificate(id: $id) { usedBy { id } } }', { id: shared });
  expect(usedBy.data).toEqual({ certificate: { usedBy: [] } });
  expect((await removeCertificate(shared)).data).toEqual({
    removeStoreCertificate: { removedCertificate: null, errors: [{ code: 'STORE_CERTIFICATE_IN_USE', ids: [] }] },
  });

  // Fabrikam's Entra management certificate: refused, naming no organization, and not shown as one.
  await dataSource.query('UPDATE backup_applications SET certificate_id = NULL WHERE id = $1', [fabrikam.applications[0]!.id]);
  await dataSource.query(
    `INSERT INTO entra_connections (organization_id, cloud, management_app_id, management_certificate_id) VALUES ($1, 'WORLDWIDE', gen_random_uuid(), $2)`,
    [fabrikam.organization.id, shared],
  );
  const managed = 'query($id: ID!) { certificate(id: $id) { managedOrganizations { name } } }';
  expect((await server.graphqlAs(scoped, managed, { id: shared })).data).toEqual({ certificate: { managedOrganizations: [] } });
  expect((await server.graphql(managed, { id: shared })).data).toEqual({
    certificate: { managedOrganizations: [{ name: 'fabrikam.onmicrosoft.com' }] },
  });
  expect((await removeCertificate(shared)).data).toEqual({
    removeStoreCertificate: { removedCertificate: null, errors: [{ code: 'STORE_CERTIFICATE_MANAGES_ORGANIZATION', ids: [] }] },
  });
  const [{ count }] = await dataSource.query('SELECT count(*)::int AS count FROM certificates WHERE id = $1', [shared]);
  expect(count).toBe(1);
});

const update = 'mutation($input: UpdateCertificateInput!) { updateCertificate(input: $input) { errors { code ids } } }';

it('does not tell an application of an organization outside the scope from an unknown one', async () => {
  const hidden = fabrikam.applications[0]!.applicationId;
  const unknown = '00000000-0000-4000-8000-0000000000aa';
  const removal = async (credential: { bearer: string }, applicationIds: string[]) =>
    (
      await server.graphqlAs<{ removeApplications: { errors: { code: string; ids: string[] }[] } }>(credential, remove, {
        input: { organizationId: contoso.organization.id, applicationIds },
      })
    ).data!.removeApplications.errors;
  const updating = async (credential: { bearer: string }, applicationIds: string[]) =>
    (
      await server.graphqlAs<{ updateCertificate: { errors: { code: string; ids: string[] }[] } }>(credential, update, {
        input: {
          organizationId: contoso.organization.id,
          applications: applicationIds.map((applicationId) => ({ applicationId })),
          storeCertificateId: contoso.applications[0]!.certificateId,
        },
      })
    ).data!.updateCertificate.errors;

  // The same answer as for an id nobody knows, also beside an application of the scope.
  expect(await removal(scoped, [unknown])).toEqual([{ code: 'APPLICATION_NOT_FOUND', ids: [unknown] }]);
  expect(await removal(scoped, [hidden])).toEqual([{ code: 'APPLICATION_NOT_FOUND', ids: [hidden] }]);
  expect(await removal(scoped, [contoso.applications[1]!.applicationId, hidden])).toEqual([{ code: 'APPLICATION_NOT_FOUND', ids: [hidden] }]);
  expect(await updating(scoped, [hidden])).toEqual([{ code: 'APPLICATION_NOT_FOUND', ids: [hidden] }]);
  expect(await updating(scoped, [contoso.applications[1]!.applicationId, hidden])).toEqual([{ code: 'APPLICATION_NOT_FOUND', ids: [hidden] }]);

  // An account that may see every organization keeps the precise code.
  const unlimited = await server.tokenFor('OPERATOR' as never);
  expect(await removal(unlimited, [hidden])).toEqual([{ code: 'APPLICATION_IN_OTHER_ORGANIZATION', ids: [hidden] }]);
  expect(await updating(unlimited, [hidden])).toEqual([{ code: 'APPLICATION_IN_OTHER_ORGANIZATION', ids: [hidden] }]);
  const [{ count }] = await server.database.dataSource.query('SELECT count(*)::int AS count FROM backup_applications');
  expect(count).toBe(3);
});

it('does not tell an event of an organization outside the scope, or of the store, from an unknown one as `after`', async () => {
  const removed = async (organization: SeededOrganization) => {
    const answer = await server.graphql<{ removeApplications: { errors: unknown[] } }>(remove, {
      input: { organizationId: organization.organization.id, applicationIds: [organization.applications.at(-1)!.applicationId] },
    });
    expect(answer.data!.removeApplications.errors).toEqual([]);
  };
  await removed(contoso);
  await removed(fabrikam);
  const generated = await server.graphql<{ generateCertificate: { errors: unknown[] } }>(
    'mutation($input: GenerateCertificateInput!) { generateCertificate(input: $input) { errors { code } } }',
    { input: { commonName: 'store event', notAfter: new Date(Date.now() + 30 * 86_400_000).toISOString() } },
  );
  expect(generated.data!.generateCertificate.errors).toEqual([]);
  const log = await server.graphql<{ certificateEvents: { edges: { node: { id: string; organizationId: string | null } }[] } }>(
    '{ certificateEvents(first: 10) { edges { node { id organizationId } } } }',
  );
  const [contosoEvent, fabrikamEvent, storeEvent] = log.data!.certificateEvents.edges.map((edge) => edge.node);
  expect([contosoEvent?.organizationId, fabrikamEvent?.organizationId, storeEvent?.organizationId]).toEqual([
    contoso.organization.id,
    fabrikam.organization.id,
    null,
  ]);

  const viewer = await server.tokenFor('VIEWER' as never, [contoso.organization.id]);
  const outcome = async (after: string) => {
    const subscriber = subscribeToEvents(server.graphqlUrl, viewer.bearer, { after });
    try {
      // Its own organization's event is accepted: the subscription is still open after the backlog is read.
      const deadline = Date.now() + 1500;
      while (subscriber.errors.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      return subscriber.errors.map((error) => (error as { extensions?: { code?: string } }).extensions?.code);
    } finally {
      await subscriber.dispose();
    }
  };
  expect(await outcome('00000000-0000-4000-8000-000000000000')).toEqual(['EVENT_NOT_FOUND']);
  expect(await outcome(fabrikamEvent!.id)).toEqual(['EVENT_NOT_FOUND']);
  expect(await outcome(storeEvent!.id)).toEqual(['EVENT_NOT_FOUND']);
  expect(await outcome(contosoEvent!.id)).toEqual([]);
});
