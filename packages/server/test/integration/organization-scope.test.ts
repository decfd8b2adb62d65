import { beforeEach, expect, it } from 'vitest';
import { type SeededOrganization, seedOrganization } from '../support/seed.js';
import { useTestServer } from '../support/test-server.js';

const server = useTestServer();
let contoso: SeededOrganization;
let fabrikam: SeededOrganization;
let scoped: { bearer: string };

beforeEach(async () => {
  const { dataSource } = server.database;
  contoso = await seedOrganization(dataSource, 'contoso.onmicrosoft.com', [
    { displayName: 'Contoso 1', certificate: { validFromDays: -1, validToDays: 100 } },
    { displayName: 'Contoso 2' },
  ]);
  fabrikam = await seedOrganization(dataSource, 'fabrikam.onmicrosoft.com', [{ displayName: 'Fabrikam 1' }]);
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
