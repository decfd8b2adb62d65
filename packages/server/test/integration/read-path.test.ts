import { expect, it } from 'vitest';
import { seedOrganization } from '../support/seed.js';
import { useTestServer } from '../support/test-server.js';

// SQL statements are logged at trace level: the test reads what the server sent.
const server = useTestServer({ environment: { LOG_LEVEL: 'trace' } });

/** Runs one operation and returns the SQL statements it sent. */
async function statementsOf(query: string): Promise<string[]> {
  const from = server.logs.length;
  const { errors } = await server.graphql(query);
  expect(errors).toBeUndefined();
  return server.logs
    .slice(from)
    .map((line) => JSON.parse(line) as { sql?: string })
    .flatMap((entry) => (entry.sql ? [entry.sql] : []));
}

it('reads certificates for a list without their DER bytes, which no field returns', async () => {
  await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', [
    { displayName: 'with certificate', certificate: { validFromDays: -1, validToDays: 90 } },
  ]);
  const statements = await statementsOf(`{
    organizations(first: 20) {
      edges { node { backupApplications { certificate { id thumbprint issuedTo issuedBy notBefore notAfter status } } } }
    }
  }`);
  const certificateReads = statements.filter((sql) => /FROM "certificates"/.test(sql));
  expect(certificateReads).toHaveLength(1);
  expect(certificateReads[0]).not.toMatch(/"der"/);
});

it('counts the organizations only when the client asks for totalCount', async () => {
  await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', []);
  const count = (statements: string[]) => statements.filter((sql) => /COUNT\(/i.test(sql)).length;
  expect(count(await statementsOf('{ organizations(first: 20) { totalCount edges { node { id } } } }'))).toBe(1);
  expect(count(await statementsOf('{ organizations(first: 20) { edges { node { id } } } }'))).toBe(0);
});
