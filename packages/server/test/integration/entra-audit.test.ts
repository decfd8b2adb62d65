import { beforeEach, expect, it } from 'vitest';
import { Role } from '../../src/common/actor.js';
import { backups, importIntoStore, management, newCertificate, tenant, useEntraTestServer } from '../support/entra-fixture.js';

/** Organization changes on Entra in the audit log: added, applications added and verified, removed — each by its real actor, only when it happened. */
let since: string;

const entra = useEntraTestServer();
beforeEach(async () => {
  since = new Date().toISOString();
});

interface Entry {
  action: string;
  actorId: string;
  organizationId: string | null;
  details: Record<string, unknown>;
}

const entraActions = ['ORGANIZATION_ADDED', 'ORGANIZATION_REMOVED', 'APPLICATIONS_ADDED', 'APPLICATIONS_VERIFIED'];

async function entraEntries(): Promise<Entry[]> {
  const { data, errors } = await entra.server.graphql<{ auditLog: { edges: { node: Entry }[] } }>(
    'query($filter: AuditLogFilter) { auditLog(first: 100, filter: $filter) { edges { node { action actorId organizationId details } } } }',
    { filter: { from: since, actions: entraActions } },
  );
  expect(errors).toBeUndefined();
  return data!.auditLog.edges.map((edge) => edge.node).reverse();
}

it('records adding an organization, adding and verifying its applications and removing it, by the real actor; nothing for a refused change', async () => {
  const managementCertificate = newCertificate('Audited Management');
  const managementCertificateId = await importIntoStore(entra.server, managementCertificate);
  const add = () =>
    entra.server.graphql<{ addOrganization: { organization: { id: string } | null; errors: { code: string }[] } }>(
      `mutation($input: AddOrganizationInput!) { addOrganization(input: $input) { organization { id } errors { code } } }`,
      { input: { tenant: tenant.domain, managementApplicationId: management.appId, managementCertificateId } },
    );

  // Sign-in refused (the key is not on the management application yet): nothing saved, nothing recorded.
  expect((await add()).data!.addOrganization.errors.map((error) => error.code)).toEqual(['ENTRA_SIGN_IN_REFUSED']);
  expect(await entraEntries()).toEqual([]);

  entra.emulator.admin.registerKeyCredential(tenant.id, management.appId, { key: managementCertificate.der.toString('base64') });
  const organizationId = (await add()).data!.addOrganization.organization!.id;

  const operator = await entra.server.tokenFor(Role.OPERATOR);
  const operatorId = `token:${(await entra.server.database.dataSource.query(`SELECT id FROM api_tokens WHERE role = 'OPERATOR'`))[0].id}`;
  const applicationIds = [backups[0]!.appId, backups[1]!.appId];
  await entra.server.graphqlAs(operator, `mutation($input: AddApplicationsInput!) { addApplications(input: $input) { errors { code } } }`, {
    input: { organizationId, applicationIds },
  });
  await entra.server.graphqlAs(operator, `mutation($input: VerifyApplicationsInput!) { verifyApplications(input: $input) { errors { code } } }`, {
    input: { organizationId },
  });
  const removed = await entra.server.graphql<{ removeOrganization: { errors: unknown[] } }>(
    `mutation($id: ID!) { removeOrganization(id: $id) { errors { code } } }`,
    { id: organizationId },
  );
  expect(removed.data!.removeOrganization.errors).toEqual([]);

  const entries = await entraEntries();
  expect(entries.map((entry) => [entry.action, entry.organizationId])).toEqual([
    ['ORGANIZATION_ADDED', organizationId],
    ['APPLICATIONS_ADDED', organizationId],
    ['APPLICATIONS_VERIFIED', organizationId],
    ['ORGANIZATION_REMOVED', organizationId],
  ]);
  expect(entries[0]!.details).toEqual({
    name: tenant.domain,
    tenantId: tenant.id,
    cloud: 'WORLDWIDE',
    managementApplicationId: management.appId,
    managementCertificateId,
    managementCertificateThumbprint: managementCertificate.thumbprint,
  });
  expect(entries[1]).toMatchObject({
    actorId: operatorId,
    details: {
      applications: [
        { applicationId: backups[0]!.appId, displayName: backups[0]!.displayName },
        { applicationId: backups[1]!.appId, displayName: backups[1]!.displayName },
      ],
    },
  });
  expect(entries[2]).toMatchObject({
    actorId: operatorId,
    details: { applications: applicationIds.map((applicationId) => ({ applicationId, status: 'NOT_CONFIGURED' })) },
  });
  expect(entries[3]!.details).toEqual({
    name: tenant.domain,
    tenantId: tenant.id,
    applications: [
      { applicationId: backups[0]!.appId, displayName: backups[0]!.displayName },
      { applicationId: backups[1]!.appId, displayName: backups[1]!.displayName },
    ],
    limitedAccounts: [],
    limitedApiTokens: [],
  });
  expect(JSON.stringify(entries)).not.toMatch(/PRIVATE KEY|password/i);
});
