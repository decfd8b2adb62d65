import { In } from 'typeorm';
import { expect, it } from 'vitest';
import { BackupApplication } from '../../src/applications/backup-application.entity.js';
import { Certificate } from '../../src/certificates/certificate.entity.js';
import { plainRows } from '../../src/common/plain-rows.js';
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
  const certificateReads = statements.filter((sql) => /\bcertificates\b/.test(sql));
  expect(certificateReads).toHaveLength(1);
  expect(certificateReads[0]).not.toMatch(/"der"/);
});

it("reads a list's applications with their certificates in one statement when the query shows certificates, through fragments too", async () => {
  const { applications } = await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', [
    { displayName: 'A with certificate', certificate: { validFromDays: -1, validToDays: 90 } },
    { displayName: 'B not configured' },
  ]);
  const thumbprint = (
    await server.database.dataSource.query('SELECT thumbprint_sha1 FROM certificates WHERE id = $1', [applications[0]!.certificateId])
  )[0].thumbprint_sha1 as string;
  const expected = {
    organizations: {
      edges: [
        {
          node: {
            backupApplications: [
              { displayName: 'A with certificate', certificate: { thumbprint, status: 'VALID' } },
              { displayName: 'B not configured', certificate: null },
            ],
          },
        },
      ],
    },
  };
  const fragment = 'fragment row on BackupApplication { displayName certificate { thumbprint status } }';
  for (const [selection, fragments] of [
    ['displayName certificate { thumbprint status }', ''],
    ['displayName ... on BackupApplication { certificate { thumbprint status } }', ''],
    ['...row', fragment],
  ]) {
    const query = `query { organizations(first: 20) { edges { node { backupApplications { ${selection} } } } } } ${fragments}`;
    const from = server.logs.length;
    expect(await server.graphql(query)).toEqual({ data: expected, extensions: { certificateEventPosition: expect.any(String) } });
    const statements = server.logs.slice(from).flatMap((line) => (JSON.parse(line) as { sql?: string }).sql ?? []);
    const certificateReads = statements.filter((sql) => /\bcertificates\b/.test(sql));
    expect(certificateReads).toEqual([expect.stringMatching(/LEFT JOIN certificates/)]);
    // Only the columns its fields read: thumbprint, and the validity period for status.
    expect(certificateReads[0]).toMatch(/"not_after"/);
    expect(certificateReads[0]).not.toMatch(/"subject"/);
  }

  // A field whose columns the loader does not know gets the whole row (but the DER bytes).
  const from = server.logs.length;
  const { data } = await server.graphql<{
    organizations: { edges: { node: { backupApplications: { certificate: { usable: boolean; subject: string } | null }[] } }[] };
  }>('{ organizations(first: 20) { edges { node { backupApplications { certificate { usable subject } } } } } }');
  expect(data!.organizations.edges[0]!.node.backupApplications[0]!.certificate).toEqual({
    usable: false,
    subject: 'CN=A with certificate, O=Seed Test',
  });
  const statements = server.logs.slice(from).flatMap((line) => (JSON.parse(line) as { sql?: string }).sql ?? []);
  const certificateRead = statements.find((sql) => /LEFT JOIN certificates/.test(sql));
  expect(certificateRead).toMatch(/"subject"/);
  expect(certificateRead).not.toMatch(/"der"/);
});

it('counts the organizations only when the client asks for totalCount', async () => {
  await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', []);
  const count = (statements: string[]) => statements.filter((sql) => /COUNT\(/i.test(sql)).length;
  expect(count(await statementsOf('{ organizations(first: 20) { totalCount edges { node { id } } } }'))).toBe(1);
  expect(count(await statementsOf('{ organizations(first: 20) { edges { node { id } } } }'))).toBe(0);
});

it("loads a list's applications and certificates as TypeORM's find() does, without its query building and hydration", async () => {
  const { dataSource } = server.database;
  const seeded = await Promise.all(
    ['contoso.onmicrosoft.com', 'fabrikam.onmicrosoft.com'].map((name) =>
      seedOrganization(dataSource, name, [
        { displayName: 'Backup B', certificate: { validFromDays: -1, validToDays: 90 } },
        { displayName: 'backup a' },
        { displayName: 'Backup C', certificate: { validFromDays: -400, validToDays: -1 } },
      ]),
    ),
  );
  const organizationIds = seeded.map(({ organization }) => organization.id);
  const certificateIds = seeded.flatMap(({ applications }) => applications.flatMap(({ certificateId }) => (certificateId ? [certificateId] : [])));

  const applications = await plainRows(dataSource, BackupApplication).select(
    'WHERE organization_id = ANY($1) ORDER BY display_name, application_id',
    [organizationIds],
  );
  expect(applications).toEqual(
    await dataSource
      .getRepository(BackupApplication)
      .find({ where: { organizationId: In(organizationIds) }, order: { displayName: 'ASC', applicationId: 'ASC' } }),
  );
  expect(applications[0]).toBeInstanceOf(BackupApplication);

  const certificates = await plainRows(dataSource, Certificate, { omit: ['der'] }).select('WHERE id = ANY($1) ORDER BY id', [certificateIds]);
  const { der: _der, ...withoutDer } = Object.fromEntries(
    dataSource.getMetadata(Certificate).columns.flatMap((column) => (column.isSelect ? [[column.propertyName, true]] : [])),
  );
  expect(certificates).toHaveLength(4);
  expect(certificates).toEqual(
    await dataSource.getRepository(Certificate).find({ select: withoutDer, where: { id: In(certificateIds) }, order: { id: 'ASC' } }),
  );
  expect(certificates[0]!.notAfter).toBeInstanceOf(Date);

  // The DER bytes are a bytea, which pg returns differently from TypeORM: refused rather than copied wrong.
  expect(() => plainRows(dataSource, Certificate)).toThrow(/cannot copy Certificate.der \(bytea\)/);
});
