import { errorMessages } from '@bam/shared';
import { describe, expect, it } from 'vitest';
import { OrganizationNameIgnoresCase1795738301100 } from '../../src/organizations/1795738301100-organization-name-ignores-case.migration.js';
import { importIntoStore, management, newCertificate, tenant, useEntraTestServer } from '../support/entra-fixture.js';
import { holdLock, until, waitingOnLocks } from '../support/lock-races.js';
import { testDatabaseKind } from '../support/test-server.js';

// An organization's name is its primary domain: two names that differ only in case are one organization, whatever
// path writes them (addOrganization checks with lower(name); the database holds the same rule).

const entra = useEntraTestServer();
const insertOrganization = `INSERT INTO organizations (name, tenant_id, region) VALUES ($1, gen_random_uuid(), 'Worldwide') RETURNING id`;

it('refuses, in the database itself, a second organization whose name differs only in case', async () => {
  const { dataSource } = entra.server.database;
  await dataSource.query(insertOrganization, ['contoso.onmicrosoft.com']);
  await expect(dataSource.query(insertOrganization, ['Contoso.OnMicrosoft.com'])).rejects.toThrow(/organizations_name_lower_key/);
  expect(await dataSource.query(`SELECT name FROM organizations`)).toEqual([{ name: 'contoso.onmicrosoft.com' }]);
});

it('refuses its migration while names differing only in case exist, naming them, and changes nothing', async () => {
  const runner = entra.server.database.dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
    // The schema as before the migration, with the duplicates it could hold then.
    await runner.query(`DROP INDEX organizations_name_lower_key`);
    await runner.query(`DROP INDEX organizations_name_idx`);
    await runner.query(`ALTER TABLE organizations ADD CONSTRAINT organizations_name_key UNIQUE (name)`);
    for (const name of ['contoso.onmicrosoft.com', 'Contoso.onmicrosoft.com', 'fabrikam.onmicrosoft.com'])
      await runner.query(insertOrganization, [name]);
    await expect(new OrganizationNameIgnoresCase1795738301100().up(runner)).rejects.toThrow(
      'The database holds organizations whose names differ only in case: Contoso.onmicrosoft.com, contoso.onmicrosoft.com.',
    );
    const constraints = await runner.query(`SELECT conname FROM pg_constraint WHERE conname = 'organizations_name_key'`);
    expect(constraints).toHaveLength(1);
  } finally {
    await runner.rollbackTransaction();
    await runner.release();
  }
});

describe.skipIf(testDatabaseKind !== 'postgres')('on PostgreSQL, with a transaction held by the test (the embedded database has one session)', () => {
  it('addOrganization meeting the same domain in another case written meanwhile answers ORGANIZATION_EXISTS', async () => {
    const certificate = newCertificate('Contoso Backup Management');
    const certificateId = await importIntoStore(entra.server, certificate);
    entra.emulator.admin.registerKeyCredential(tenant.id, management.appId, { key: certificate.der.toString('base64') });
    // Written by another path (an import, SQL), not yet committed: addOrganization's check cannot see it.
    const writer = await holdLock(entra.server.database.dataSource, insertOrganization, [tenant.domain.toUpperCase()]);
    let answered = false;
    const adding = entra.server
      .graphql<{ addOrganization: { organization: { id: string } | null; errors: { code: string; ids: string[]; message: string }[] } }>(
        `mutation($input: AddOrganizationInput!) { addOrganization(input: $input) { organization { id } errors { code ids message } } }`,
        { input: { tenant: tenant.domain, managementApplicationId: management.appId, managementCertificateId: certificateId } },
      )
      .finally(() => (answered = true));
    try {
      await until(async () => answered || (await waitingOnLocks(entra.server.database.dataSource)) === 1, 'addOrganization to wait for the name');
    } finally {
      await writer.query('COMMIT');
      await writer.end();
    }
    const [{ id }] = (await entra.server.database.dataSource.query(`SELECT id FROM organizations`)) as [{ id: string }];
    expect((await adding).data).toEqual({
      addOrganization: {
        organization: null,
        errors: [{ code: 'ORGANIZATION_EXISTS', ids: [id], message: errorMessages.ORGANIZATION_EXISTS }],
      },
    });
  });
});
