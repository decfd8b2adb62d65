import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { management, startEmulatorForServer, tenant } from '../support/entra-fixture.js';
import { type ServerInstances, startServerInstances } from '../support/server-instances.js';
import { testDatabaseKind } from '../support/test-server.js';

/**
 * Two server processes on one PostgreSQL and one Entra: an organization's management certificate changed
 * through one of them is what the other signs in with at its next Graph call — even when the other had
 * signed in with the old one just before, and the old one no longer signs in.
 */
describe.runIf(testDatabaseKind === 'postgres')('a management certificate changed on one instance', () => {
  let instances: ServerInstances;
  let stopEmulator: () => Promise<void>;
  let emulator: Awaited<ReturnType<typeof startEmulatorForServer>>['emulator'];

  beforeAll(async () => {
    let environment: Record<string, string>;
    ({ emulator, environment, stop: stopEmulator } = await startEmulatorForServer());
    instances = await startServerInstances({ environment });
  });
  afterAll(async () => {
    await instances?.stop();
    await stopEmulator?.();
  });

  /** A store certificate made by the server, registered on the management application in Entra. */
  async function registeredManagementCertificate(url: string, commonName: string): Promise<{ id: string; keyId: string }> {
    const { data } = await instances.graphqlOn(url)<{ generateCertificate: { certificate: { id: string; derBase64: string } } }>(
      'mutation($input: GenerateCertificateInput!) { generateCertificate(input: $input) { certificate { id derBase64 } errors { code } } }',
      { input: { commonName, notAfter: new Date(Date.now() + 90 * 86_400_000).toISOString() } },
    );
    const { id, derBase64 } = data!.generateCertificate.certificate;
    const { keyId } = emulator.admin.registerKeyCredential(tenant.id, management.appId, { key: derBase64 });
    return { id, keyId };
  }

  /** A Graph call as the organization's management application, on one instance: null when it succeeds, else its error code. */
  async function listEntraApplications(url: string, organizationId: string): Promise<string | null> {
    const { errors } = await instances.graphqlOn(url)(
      'query($organizationId: ID!) { availableApplications(organizationId: $organizationId, first: 3) { applications { appId } } }',
      { organizationId },
    );
    return errors ? ((errors as { extensions?: { code?: string } }[])[0]?.extensions?.code ?? 'NONE') : null;
  }

  it('is used by the other instance at once, the old one withdrawn from Entra', async () => {
    const [one, other] = instances.urls as [string, string];
    const old = await registeredManagementCertificate(one, 'Management 2025');
    const added = await instances.graphqlOn(one)<{ addOrganization: { organization: { id: string }; errors: unknown[] } }>(
      'mutation($input: AddOrganizationInput!) { addOrganization(input: $input) { organization { id } errors { code } } }',
      { input: { tenant: tenant.domain, managementApplicationId: management.appId, managementCertificateId: old.id } },
    );
    expect(added.data!.addOrganization.errors).toEqual([]);
    const organizationId = added.data!.addOrganization.organization.id;
    // The other instance signs in with the old certificate and keeps that credential (and its token).
    expect(await listEntraApplications(other, organizationId)).toBeNull();

    const next = await registeredManagementCertificate(one, 'Management 2026');
    const updated = await instances.graphqlOn(one)<{ updateOrganizationConnection: { errors: unknown[] } }>(
      'mutation($input: UpdateOrganizationConnectionInput!) { updateOrganizationConnection(input: $input) { errors { code ids } } }',
      { input: { organizationId, managementCertificateId: next.id } },
    );
    expect(updated.data!.updateOrganizationConnection.errors).toEqual([]);
    emulator.admin.removeKeyCredential(tenant.id, management.appId, old.keyId);

    expect(await listEntraApplications(other, organizationId)).toBeNull();
    expect(await listEntraApplications(one, organizationId)).toBeNull();
  });
});
