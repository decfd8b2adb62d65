import { expect, it } from 'vitest';
import { seedManyApplications, seedOrganization } from '../support/seed.js';
import { useTestServer } from '../support/test-server.js';

const server = useTestServer();

/** Posts one operation and keeps the raw body, to check how much a refusal costs the server to send. */
async function post(
  query: string,
  variables?: Record<string, unknown>,
): Promise<{ status: number; bytes: number; body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } }> {
  const response = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return { status: response.status, bytes: Buffer.byteLength(text), body: JSON.parse(text) as never };
}

/** The distinct error codes of an answer (several limits may refuse one document). */
const codes = (body: { errors?: { extensions?: { code?: string } }[] }) => [...new Set(body.errors?.map((error) => error.extensions?.code))];

it('refuses the tiny mutually recursive query of the finding at once, while other requests keep being answered', async () => {
  const { organization } = await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', []);
  await seedManyApplications(server.database.dataSource, organization.id, 3000);
  const recursive = '{organizations{edges{node{backupApplications{organization{backupApplications{organization{id}}}}}}}}';

  const [refused, trivial] = await Promise.all([post(recursive), server.graphql<{ limits: { pfxMaxBytes: number } }>('{ limits { pfxMaxBytes } }')]);

  expect(codes(refused.body)).toEqual(['QUERY_TOO_COMPLEX']);
  expect(refused.body.data).toBeUndefined();
  expect(refused.bytes).toBeLessThan(1024);
  expect(trivial.data?.limits.pfxMaxBytes).toBeGreaterThan(0);
});

it('refuses a shallow query that walks back up a relation and down a list again', async () => {
  const { organization } = await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', [{ displayName: 'Only' }]);
  const { body } = await post('query($id: ID!) { organization(id: $id) { backupApplications { organization { backupApplications { id } } } } }', {
    id: organization.id,
  });
  expect(codes(body)).toEqual(['QUERY_TOO_COMPLEX']);
});

it('still answers the deepest query the README shows', async () => {
  await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', [
    { displayName: 'Mail', certificate: { validFromDays: -1, validToDays: 90 } },
  ]);
  const { body } = await post(`query Organizations {
    organizations(first: 10, filter: { nameContains: "contoso" }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id name backupApplications { applicationId displayName certificate { thumbprint subject notAfter status } } } }
    }
  }`);
  expect(body.errors).toBeUndefined();
  expect(body.data).toMatchObject({ organizations: { totalCount: 1 } });
});

it('refuses many aliases of one field', async () => {
  const aliases = Array.from({ length: 100 }, (_, index) => `a${index}: certificateStore { id }`).join(' ');
  const { body } = await post(`{ ${aliases} }`);
  expect(codes(body)).toEqual(['QUERY_TOO_COMPLEX']);
  expect(body.data).toBeUndefined();
});

it('refuses generating several certificates in one document, generating none', async () => {
  const notAfter = new Date(Date.now() + 30 * 24 * 60 * 60 * 1000).toISOString();
  const generate = (count: number) =>
    Array.from(
      { length: count },
      (_, index) => `g${index}: generateCertificate(input: { commonName: "Bulk ${index}", notAfter: "${notAfter}" }) { errors { code } }`,
    ).join(' ');
  for (const count of [50, 2]) {
    const { body } = await post(`mutation { ${generate(count)} }`);
    expect(codes(body)).toEqual(['QUERY_TOO_COMPLEX']);
  }
  const store = await server.graphql<{ certificateStore: unknown[] }>('{ certificateStore { id } }');
  expect(store.data?.certificateStore).toEqual([]);
});

it('refuses a 1 MB document of repeated arguments with a small answer', async () => {
  const argument = 'filter: { usableOnly: true } ';
  const query = `{ certificateStore(${argument.repeat(Math.floor(1_000_000 / argument.length))}) { id } }`;
  expect(query.length).toBeGreaterThan(990_000);

  const { body, bytes } = await post(query);

  expect(codes(body)).toEqual(['QUERY_TOO_LARGE']);
  expect(bytes).toBeLessThan(1024);
});

it('does not suggest field names to a client guessing the schema', async () => {
  const { body } = await post('{ organizaton { id } }');
  expect(body.errors).toHaveLength(1);
  expect(body.errors![0]!.message).not.toMatch(/did you mean/i);
  expect(body.errors![0]!.message).not.toContain('organizations');
});
