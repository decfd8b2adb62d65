import { expect, it } from 'vitest';
import { Role } from '../../src/common/actor.js';
import { clearDatabase, seedOrganization } from '../support/seed.js';
import { sqlStatementsSettled } from '../support/sql-statements.js';
import { useTestServer } from '../support/test-server.js';

// The webhook dispatcher's periodic round (every 5 s by default) would count in a request it overlaps.
const server = useTestServer({ environment: { WEBHOOK_POLL_INTERVAL_MS: '600000' } });

const nestedList = /* GraphQL */ `
  {
    organizations(first: 100) {
      totalCount
      edges {
        node {
          name
          certificateSummary {
            applications
            expired
            expiringSoon
          }
          backupApplications {
            displayName
            organization {
              name
            }
            certificate {
              thumbprint
              status
            }
            certificateHistory {
              id
            }
          }
        }
      }
    }
    # Not under the applications: a list back to applications there is refused (it multiplies rows).
    certificateStore {
      thumbprint
      usedBy {
        id
      }
    }
  }
`;

async function statementsToListOrganizations(count: number): Promise<{ statements: number; applications: number }> {
  const { dataSource } = server.database;
  await clearDatabase(dataSource);
  for (let index = 0; index < count; index += 1) {
    await seedOrganization(dataSource, `org-${index}.onmicrosoft.com`, [
      { displayName: 'with certificate A', certificate: { validFromDays: -1, validToDays: 90 } },
      { displayName: 'with certificate B', certificate: { validFromDays: -1, validToDays: 10 } },
      { displayName: 'not configured' },
    ]);
  }
  // A token never used before: each count includes checking it (later requests find it in the server's memory).
  const caller = await server.tokenFor(Role.ADMINISTRATOR);
  await sqlStatementsSettled(server);
  const before = server.database.sqlStatements.statementCount;
  const { data, errors } = await server.graphqlAs<{
    organizations: { edges: { node: { backupApplications: { certificate: unknown }[] } }[] };
  }>(caller, nestedList);
  const statements = server.database.sqlStatements.statementCount - before;
  expect(errors).toBeUndefined();
  const applications = data!.organizations.edges.flatMap((edge) => edge.node.backupApplications);
  expect(applications.filter((application) => application.certificate !== null)).toHaveLength(count * 2);
  return { statements, applications: applications.length };
}

it('lists organizations with their applications and certificates in a constant number of SQL statements', async () => {
  const few = await statementsToListOrganizations(2);
  const many = await statementsToListOrganizations(50);
  expect(few.applications).toBe(6);
  expect(many.applications).toBe(150);
  // count + page + applications with their certificates (the certificate summaries counted from them)
  // + organizations (the nested `organization` field) + certificate histories + the store + applications per certificate, and the
  // caller's token (checked, its last use recorded, in one statement).
  expect(many.statements).toBe(few.statements);
  expect(many.statements).toBeLessThanOrEqual(9);
});

it("counts an organization's certificates from its listed applications, without a statement of its own", async () => {
  const { dataSource } = server.database;
  await clearDatabase(dataSource);
  await seedOrganization(dataSource, 'summary.onmicrosoft.com', [
    { displayName: 'with certificate', certificate: { validFromDays: -1, validToDays: 10 } },
    { displayName: 'not configured' },
  ]);
  const caller = await server.tokenFor(Role.VIEWER);
  await server.graphqlAs(caller, '{ organizations { totalCount } }');
  const statementsFor = async (nodeFields: string) => {
    await sqlStatementsSettled(server);
    const before = server.database.sqlStatements.statementCount;
    const { data, errors } = await server.graphqlAs<{ organizations: { edges: { node: { certificateSummary?: { expiringSoon: number } } }[] } }>(
      caller,
      `{ organizations(first: 20) { totalCount edges { node { ${nodeFields} } } } }`,
    );
    expect(errors).toBeUndefined();
    return { statements: server.database.sqlStatements.statementCount - before, node: data!.organizations.edges[0]!.node };
  };
  const list = 'backupApplications { displayName certificate { id thumbprint notAfter } }';
  const listOnly = await statementsFor(list);
  const listAndSummary = await statementsFor(`certificateSummary { expiringSoon expired notConfigured } ${list}`);
  const summaryOnly = await statementsFor('certificateSummary { expiringSoon expired notConfigured }');
  expect(listAndSummary.node.certificateSummary).toEqual({ expiringSoon: 1, expired: 0, notConfigured: 1 });
  expect(summaryOnly.node.certificateSummary).toEqual(listAndSummary.node.certificateSummary);
  // count + page + applications with their certificates; the console's inventory pane (no list) counts in SQL.
  expect(listAndSummary.statements).toBe(listOnly.statements);
  expect(summaryOnly.statements).toBe(listOnly.statements);
});

it("reads one application's certificate history in a constant number of SQL statements, however long it is", async () => {
  const { dataSource } = server.database;
  const statementsForHistoryOf = async (changes: number) => {
    await clearDatabase(dataSource);
    const { applications } = await seedOrganization(dataSource, 'history.onmicrosoft.com', [
      { displayName: 'with history', certificate: { validFromDays: -1, validToDays: 90 } },
    ]);
    const [application] = applications;
    await dataSource.query(
      `INSERT INTO certificate_changes (backup_application_id, certificate_id, thumbprint, not_after, source, changed_by)
       SELECT $1, $2, upper(lpad(to_hex(n), 40, '0')), now() + interval '1 year', 'STORE', 'user:seed' FROM generate_series(1, $3::int) AS n`,
      [application!.id, application!.certificateId, changes],
    );
    const caller = await server.tokenFor(Role.VIEWER);
    await sqlStatementsSettled(server);
    const before = server.database.sqlStatements.statementCount;
    const { data, errors } = await server.graphqlAs<{ backupApplication: { certificateHistory: unknown[] } }>(
      caller,
      'query($id: ID!) { backupApplication(id: $id) { certificateHistory(first: 21) { thumbprint certificate { thumbprint } } } }',
      { id: application!.id },
    );
    expect(errors).toBeUndefined();
    return { statements: server.database.sqlStatements.statementCount - before, listed: data!.backupApplication.certificateHistory.length };
  };
  const short = await statementsForHistoryOf(1);
  const long = await statementsForHistoryOf(40);
  expect([short.listed, long.listed]).toEqual([1, 21]);
  // the caller's token + the application + its history + the certificates the changes name
  expect(long.statements).toBe(short.statements);
  expect(long.statements).toBeLessThanOrEqual(4);
});
