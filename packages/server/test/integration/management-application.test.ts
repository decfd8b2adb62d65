import { errorMessages } from '@bam/shared';
import { describe, expect, it } from 'vitest';
import {
  backups,
  entraThumbprints,
  importIntoStore,
  management,
  newCertificate,
  signInAs,
  tenant,
  updateCertificateFromPfx,
  useEntraTestServer,
} from '../support/entra-fixture.js';
import { databaseSnapshot } from '../support/database-snapshot.js';
import type { TestCertificate } from '../support/pfx-fixtures.js';

// The management application is the one the server signs in to the tenant with: it is never a backup application,
// or a certificate update of it would remove the management key from Entra and cut the organization off.

const entra = useEntraTestServer();

interface MutationError {
  code: string;
  ids: string[];
  message: string;
}

async function connectedOrganization(): Promise<{ organizationId: string; certificate: TestCertificate; certificateId: string }> {
  const certificate = newCertificate('Contoso Backup Management');
  const certificateId = await importIntoStore(entra.server, certificate);
  entra.emulator.admin.registerKeyCredential(tenant.id, management.appId, { key: certificate.der.toString('base64') });
  const { data } = await entra.server.graphql<{ addOrganization: { organization: { id: string } | null; errors: MutationError[] } }>(
    `mutation($input: AddOrganizationInput!) { addOrganization(input: $input) { organization { id } errors { code ids message } } }`,
    { input: { tenant: tenant.domain, managementApplicationId: management.appId, managementCertificateId: certificateId } },
  );
  expect(data!.addOrganization.errors).toEqual([]);
  return { organizationId: data!.addOrganization.organization!.id, certificate, certificateId };
}

async function addApplications(organizationId: string, applicationIds: string[]) {
  const { data, errors } = await entra.server.graphql<{ addApplications: { applications: { applicationId: string }[]; errors: MutationError[] } }>(
    `mutation($input: AddApplicationsInput!) { addApplications(input: $input) { applications { applicationId } errors { code ids message } } }`,
    { input: { organizationId, applicationIds } },
  );
  expect(errors).toBeUndefined();
  return data!.addApplications;
}

async function availableAppIds(organizationId: string, filter?: string): Promise<string[]> {
  const appIds: string[] = [];
  let after: string | null = null;
  do {
    const response: {
      data?: { availableApplications: { applications: { appId: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
      errors?: unknown[];
    } = await entra.server.graphql(
      `query($organizationId: ID!, $filter: String, $after: String) { availableApplications(organizationId: $organizationId, filter: $filter, first: 3, after: $after) {
         applications { appId } pageInfo { hasNextPage endCursor } } }`,
      { organizationId, filter, after },
    );
    expect(response.errors).toBeUndefined();
    const page = response.data!.availableApplications;
    appIds.push(...page.applications.map((application) => application.appId));
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
  return appIds;
}

const updateMutation = `mutation($input: UpdateCertificateInput!) { updateCertificate(input: $input) {
  applications { applicationId } errors { code ids message } } }`;

async function updateFromStore(organizationId: string, applicationIds: string[], storeCertificateId: string) {
  const { data, errors } = await entra.server.graphql<{ updateCertificate: { applications: unknown[]; errors: MutationError[] } }>(updateMutation, {
    input: { organizationId, applications: applicationIds.map((applicationId) => ({ applicationId })), storeCertificateId },
  });
  expect(errors).toBeUndefined();
  return data!.updateCertificate;
}

function updateFromPfx(organizationId: string, applicationIds: string[], certificate: TestCertificate) {
  return updateCertificateFromPfx<{ applications: unknown[]; errors: MutationError[] }>(entra.server, updateMutation, {
    organizationId,
    applicationIds,
    certificate,
  });
}

async function updateConnection(input: Record<string, unknown>) {
  const { data, errors } = await entra.server.graphql<{
    updateOrganizationConnection: { organization: { managementApplicationId: string } | null; errors: MutationError[] };
  }>(
    `mutation($input: UpdateOrganizationConnectionInput!) {
       updateOrganizationConnection(input: $input) { organization { managementApplicationId } errors { code ids message } } }`,
    { input },
  );
  expect(errors).toBeUndefined();
  return data!.updateOrganizationConnection;
}

/** What a refused change must leave as it was: the applications, the store, history, rotations, audit log and events. */
async function everything() {
  const dataSource = entra.server.database.dataSource;
  const [counts] = (await dataSource.query(
    `SELECT (SELECT count(*)::int FROM key_rotations) AS rotations, (SELECT count(*)::int FROM audit_log) AS audit,
            (SELECT count(*)::int FROM certificate_events) AS events,
            (SELECT management_app_id || ' ' || management_certificate_id FROM entra_connections) AS connection`,
  )) as [Record<string, unknown>];
  return { ...(await databaseSnapshot(dataSource)), ...counts };
}

const managementMessage = errorMessages.APPLICATION_IS_MANAGEMENT_APPLICATION;

describe('the management application is not offered as a backup application', () => {
  it('availableApplications leaves it out, on every page and when filtered by its name', async () => {
    const { organizationId } = await connectedOrganization();
    expect(await availableAppIds(organizationId)).toEqual(backups.map((backup) => backup.appId));
    expect(await availableAppIds(organizationId, 'Contoso Backup Management')).toEqual([]);
  });

  it('addApplications refuses it with APPLICATION_IS_MANAGEMENT_APPLICATION, alone or with others, in any case, before asking Entra, adding nothing', async () => {
    const { organizationId } = await connectedOrganization();
    const before = await everything();
    const from = entra.emulator.admin.requests().length;
    for (const selection of [[management.appId], [backups[0]!.appId, management.appId.toUpperCase()]]) {
      expect(await addApplications(organizationId, selection)).toEqual({
        applications: [],
        errors: [{ code: 'APPLICATION_IS_MANAGEMENT_APPLICATION', ids: [management.appId], message: managementMessage }],
      });
    }
    expect(entra.emulator.admin.requests().slice(from)).toEqual([]);
    expect(await everything()).toEqual(before);
    expect(managementMessage).toMatch(/management application/);
  });
});

describe('a backup application row that is the management application (added before this check)', () => {
  /** The organization with its management application as a backup application using the management certificate, as a tester left one. */
  async function managementAsBackup() {
    const connected = await connectedOrganization();
    expect((await addApplications(connected.organizationId, [backups[0]!.appId])).errors).toEqual([]);
    await entra.server.database.dataSource.query(
      `INSERT INTO backup_applications (organization_id, application_id, display_name, certificate_id) VALUES ($1, $2, 'Contoso Backup Management', $3)`,
      [connected.organizationId, management.appId, connected.certificateId],
    );
    return connected;
  }

  it('updateCertificate refuses to rotate it (from the store or a PFX file, alone or with others): Entra keeps the management key', async () => {
    const { organizationId, certificate, certificateId } = await managementAsBackup();
    const next = newCertificate('Backup 2026');
    const nextId = await importIntoStore(entra.server, next);
    const keysBefore = entraThumbprints(entra.emulator, management.appId);
    expect(keysBefore).toEqual([certificate.thumbprint]);
    const before = await everything();
    const from = entra.emulator.admin.requests().length;

    const refusal = {
      applications: [],
      errors: [{ code: 'APPLICATION_IS_MANAGEMENT_APPLICATION', ids: [management.appId], message: managementMessage }],
    };
    expect(await updateFromStore(organizationId, [management.appId], nextId)).toEqual(refusal);
    expect(await updateFromStore(organizationId, [backups[0]!.appId, management.appId], nextId)).toEqual(refusal);
    expect(await updateFromPfx(organizationId, [management.appId], next)).toEqual(refusal);

    // Nothing asked of Entra, nothing changed there or here: the organization still signs in with its management certificate.
    expect(entra.emulator.admin.requests().slice(from)).toEqual([]);
    expect(entraThumbprints(entra.emulator, management.appId)).toEqual(keysBefore);
    expect(entraThumbprints(entra.emulator, backups[0]!.appId)).toEqual([]);
    expect(await everything()).toEqual(before);
    await expect(signInAs(entra.emulator, management.appId, certificate)).resolves.toMatchObject({ token: expect.any(String) });
    expect(await updateConnection({ organizationId, managementCertificateId: certificateId })).toMatchObject({ errors: [] });
  });

  it('updateCertificate of the other applications still rotates them; removeApplications takes the row out, leaving Entra as it was', async () => {
    const { organizationId, certificate } = await managementAsBackup();
    const nextId = await importIntoStore(entra.server, newCertificate('Backup 2026'));
    expect((await updateFromStore(organizationId, [backups[0]!.appId], nextId)).errors).toEqual([]);

    const { data } = await entra.server.graphql<{ removeApplications: { errors: MutationError[] } }>(
      `mutation($input: RemoveApplicationsInput!) { removeApplications(input: $input) { errors { code ids message } } }`,
      { input: { organizationId, applicationIds: [management.appId] } },
    );
    expect(data!.removeApplications.errors).toEqual([]);
    expect(entraThumbprints(entra.emulator, management.appId)).toEqual([certificate.thumbprint]);
    expect(await availableAppIds(organizationId)).toEqual(backups.slice(1).map((backup) => backup.appId));
  });
});

describe('updateOrganizationConnection', () => {
  it('refuses a management application that is a backup application of the organization, before asking Entra, changing nothing', async () => {
    const { organizationId } = await connectedOrganization();
    const other = backups[0]!.appId;
    expect((await addApplications(organizationId, [other])).errors).toEqual([]);
    const next = newCertificate('Other management application');
    const nextId = await importIntoStore(entra.server, next);
    entra.emulator.admin.registerKeyCredential(tenant.id, other, { key: next.der.toString('base64') });
    entra.emulator.admin.grantPermission(tenant.id, other, 'Application.ReadWrite.All');
    entra.emulator.admin.grantPermission(tenant.id, other, 'Organization.Read.All');
    const before = await everything();
    const from = entra.emulator.admin.requests().length;

    const refused = await updateConnection({ organizationId, managementCertificateId: nextId, managementApplicationId: other.toUpperCase() });
    expect(refused).toEqual({
      organization: null,
      errors: [{ code: 'APPLICATION_IS_MANAGEMENT_APPLICATION', ids: [other], message: expect.stringMatching(/backup application/) }],
    });
    expect(entra.emulator.admin.requests().slice(from)).toEqual([]);
    expect(await everything()).toEqual(before);
  });
});
