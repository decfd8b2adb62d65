import { describe, expect, it } from 'vitest';
import { seedOrganization } from '../support/seed.js';
import { useTestServer } from '../support/test-server.js';

const server = useTestServer();

/** PostgreSQL text cannot hold U+0000: such input must be refused with a code, not fail in SQL. */
const nul = 'contoso\u0000';

function codes(response: { errors?: { extensions?: { code?: string } }[] }) {
  return (response.errors ?? []).map((error) => error.extensions?.code);
}

describe('text PostgreSQL cannot store', () => {
  it('is refused in the organization filter', async () => {
    const response = await server.graphql('query($filter: OrganizationFilter) { organizations(filter: $filter) { totalCount } }', {
      filter: { nameContains: nul },
    });
    expect(codes(response)).toEqual(['INVALID_INPUT']);
  });

  it('is refused in the certificate store search', async () => {
    const response = await server.graphql('query($filter: CertificateStoreFilter) { certificateStore(filter: $filter) { id } }', {
      filter: { search: nul },
    });
    expect(codes(response)).toEqual(['INVALID_INPUT']);
  });

  it('makes a pagination cursor invalid', async () => {
    const after = Buffer.from(JSON.stringify([nul, '00000000-0000-4000-8000-000000000000'])).toString('base64url');
    const response = await server.graphql('query($after: String) { organizations(after: $after) { totalCount } }', { after });
    expect(codes(response)).toEqual(['INVALID_CURSOR']);
  });

  it('names nothing when used as an id', async () => {
    const { organization } = await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', [{ displayName: 'App' }]);
    const byId = await server.graphql<{ organization: null; certificate: null }>(
      'query($id: ID!) { organization(id: $id) { id } certificate(id: $id) { id } }',
      { id: `${organization.id}\u0000` },
    );
    expect(byId.errors).toBeUndefined();
    expect(byId.data).toEqual({ organization: null, certificate: null });

    const removal = await server.graphql<{ removeApplications: { errors: { code: string }[] } }>(
      'mutation($input: RemoveApplicationsInput!) { removeApplications(input: $input) { errors { code } } }',
      { input: { organizationId: organization.id, applicationIds: ['\u0000'] } },
    );
    expect(removal.errors).toBeUndefined();
    expect(removal.data!.removeApplications.errors.map((error) => error.code)).toEqual(['APPLICATION_NOT_FOUND']);
  });
});

describe('a failing SQL statement', () => {
  it('is logged with its code but never with its parameters', async () => {
    const marker = `marker-${'x'.repeat(100_000)}-end`;
    await server.database.dataSource.query('ALTER TABLE organizations RENAME TO organizations_hidden');
    try {
      const response = await server.graphql('query($filter: OrganizationFilter) { organizations(filter: $filter) { totalCount } }', {
        filter: { nameContains: marker },
      });
      expect(codes(response)).toEqual(['INTERNAL_ERROR']);
    } finally {
      await server.database.dataSource.query('ALTER TABLE organizations_hidden RENAME TO organizations');
    }
    const logs = server.logs.join('\n');
    expect(logs.includes('marker-x'), 'the marker is in the log').toBe(false);
    const failures = server.logs.map((line) => JSON.parse(line) as { msg: string; err?: { code?: string } }).filter((line) => line.err);
    expect(failures.map((line) => line.msg)).toEqual(['sql statement failed', 'unexpected error while executing an operation']);
    // 42P01: undefined_table — the code says what went wrong without the values.
    expect(failures.every((line) => line.err!.code === '42P01')).toBe(true);
  });
});
