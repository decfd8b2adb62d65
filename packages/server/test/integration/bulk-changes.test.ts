import { expect, it } from 'vitest';
import { opensslPfx } from '../support/pfx-fixtures.js';
import { seedManyApplications, seedOrganization } from '../support/seed.js';
import { useTestServer } from '../support/test-server.js';

const server = useTestServer();

// PostgreSQL binds at most 65,535 parameters per statement: a history row of 7 parameters per
// application used to fail past 9,362 applications.
const BULK = 12_000;

// Docker's and Kubernetes' log drivers cut a line longer than 16 KiB into parts, which log shippers
// then read as broken JSON.
const LOG_LINE_LIMIT = 16 * 1024;

/** The lines logged with `message` since log line `from`: each within the limit, and the ids they name in order. */
function loggedApplicationIds(from: number, message: string): string[] {
  const lines = server.logs.slice(from).filter((line) => line.includes(`"msg":"${message}"`));
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) expect(Buffer.byteLength(`${line}\n`)).toBeLessThanOrEqual(LOG_LINE_LIMIT);
  return lines.flatMap((line) => (JSON.parse(line) as { applicationIds: string[] }).applicationIds);
}

it(`updates and then removes ${BULK.toLocaleString('en')} applications of one organization in one request each, logged in lines log drivers keep whole`, async () => {
  const { dataSource } = server.database;
  const { organization } = await seedOrganization(dataSource, 'contoso.onmicrosoft.com', []);
  const applicationIds = await seedManyApplications(dataSource, organization.id, BULK);
  const pfx = opensslPfx();

  const beforeUpdate = server.logs.length;
  const updated = await server.upload<{ updateCertificate: { applications: { applicationId: string }[]; errors: { code: string }[] } }>(
    'mutation($input: UpdateCertificateInput!) { updateCertificate(input: $input) { applications { applicationId } errors { code } } }',
    {
      input: {
        organizationId: organization.id,
        applications: applicationIds.map((applicationId) => ({ applicationId })),
        pfx: { file: null, password: pfx.password },
      },
    },
    { path: 'variables.input.pfx.file', content: pfx.file },
  );
  expect(updated.errors).toBeUndefined();
  expect(updated.data!.updateCertificate.errors).toEqual([]);
  expect(updated.data!.updateCertificate.applications).toHaveLength(BULK);
  const [{ changes }] = await dataSource.query(`SELECT count(*)::int AS changes FROM certificate_changes`);
  expect(changes).toBe(BULK);
  expect(loggedApplicationIds(beforeUpdate, 'application certificates updated')).toEqual(applicationIds);

  const beforeRemoval = server.logs.length;
  const removed = await server.graphql<{ removeApplications: { removedApplications: { applicationId: string }[]; errors: { code: string }[] } }>(
    'mutation($input: RemoveApplicationsInput!) { removeApplications(input: $input) { removedApplications { applicationId } errors { code } } }',
    { input: { organizationId: organization.id, applicationIds } },
  );
  expect(removed.errors).toBeUndefined();
  expect(removed.data!.removeApplications.errors).toEqual([]);
  expect(removed.data!.removeApplications.removedApplications).toHaveLength(BULK);
  const [{ remaining }] = await dataSource.query(`SELECT count(*)::int AS remaining FROM backup_applications`);
  expect(remaining).toBe(0);
  expect(loggedApplicationIds(beforeRemoval, 'applications removed')).toEqual(applicationIds);
});
