import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ClientCertificateCredential } from '@azure/identity';
import { type RunningEntraEmulator, type Seed, startEntraEmulator } from '@bam/entra-emulator';
import { afterAll, beforeAll, beforeEach, expect, TestRunner } from 'vitest';
import type { RetryBackoff } from '../../src/common/retry-backoff.js';
import { forgePfx, rsaCertificate, rsaKey, type TestCertificate } from './pfx-fixtures.js';
import { clearDatabase } from './seed.js';
import type { InstanceGraphQL } from './server-instances.js';
import { startTestServer, type TestServer } from './test-server.js';

export const tenant = { id: '0d5a7c3e-1b2f-4e6a-8c9d-3f1e5a7b9c21', domain: 'contoso-test.onmicrosoft.com' };
export const management = { id: 'a1000000-0000-4000-8000-000000000001', appId: 'b1000000-0000-4000-8000-000000000001' };
/** Seven backup applications: several pages at `first: 3`. */
export const backups = Array.from({ length: 7 }, (_, index) => ({
  id: `a2000000-0000-4000-8000-00000000000${index}`,
  appId: `b2000000-0000-4000-8000-00000000000${index}`,
  displayName: `Contoso Backup 0${index + 1}`,
}));

export const seed: Seed = {
  tenants: [
    {
      id: tenant.id,
      displayName: 'Contoso Test',
      defaultDomain: tenant.domain,
      applications: [
        { ...management, displayName: 'Contoso Backup Management', roles: ['Application.ReadWrite.All', 'Organization.Read.All'] },
        ...backups.map((backup) => ({ ...backup, roles: ['Sites.Read.All'] })),
      ],
    },
  ],
};

/** The emulator with its CA in a file, and the server environment that points Entra at it. */
export async function startEmulatorForServer(): Promise<{
  emulator: RunningEntraEmulator;
  environment: Record<string, string>;
  stop(): Promise<void>;
}> {
  const emulator = await startEntraEmulator({ seed });
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'bam-entra-'));
  const caFile = path.join(folder, 'ca.pem');
  await fs.writeFile(caFile, emulator.caCertificatePem);
  return {
    emulator,
    environment: {
      ENTRA_AUTHORITY_HOST: emulator.url,
      ENTRA_GRAPH_BASE_URL: emulator.url,
      ENTRA_CA_FILE: caFile,
      ENTRA_PROOF_TIMEOUT_MS: '4000',
      ENTRA_MAX_RETRIES: '2',
      ENTRA_MAX_RETRY_AFTER_SECONDS: '2',
      ENTRA_REQUEST_TIMEOUT_MS: '15000',
    },
    async stop() {
      await emulator.stop();
      await fs.rm(folder, { recursive: true, force: true });
    },
  };
}

/** Key slots of certificates that may live across tests (made at a file's load, in `beforeAll`, or in a file whose tests share state). */
let fileSlot = 20;
let keysPerTest = false;
const testSlots = { test: undefined as object | undefined, next: 1_000 };

/**
 * For a file whose every test starts on an empty database and a reset emulator (as `useEntraTestServer` does): the
 * certificates a test makes take the previous test's keys again, still one per certificate, as a 2048-bit key takes
 * 0.1–0.5 s to generate.
 */
export function reuseKeysAcrossTests(): void {
  keysPerTest = true;
}

function nextKeySlot(): number {
  const test = keysPerTest ? TestRunner.getCurrentTest() : undefined;
  if (!test) return (fileSlot += 1);
  if (testSlots.test !== test) Object.assign(testSlots, { test, next: 1_000 });
  return (testSlots.next += 1);
}

/** A fresh RSA certificate whose key no other certificate alive in the test has (the test keeps the key to sign in as Entra would see it). */
export function newCertificate(commonName: string): TestCertificate {
  return rsaCertificate({ commonName, key: rsaKey(2048, nextKeySlot()) });
}

/** Steps Entra could not take are tried again within a second: the tests that wait for it are not about its timing. */
const quickRotationRetry: RetryBackoff = { firstMs: 200, maxMs: 1_000 };

/** A file's test server with Entra pointed at its own emulator, and the environment that does so (for more servers). */
export interface EntraTestServer {
  readonly server: TestServer;
  readonly emulator: RunningEntraEmulator;
  readonly environment: Record<string, string>;
}

/** Starts an emulator and a test server on it for the file's tests; each test begins with an empty database and a reset emulator. */
export function useEntraTestServer(): EntraTestServer {
  const started = {} as { -readonly [Key in keyof EntraTestServer]: EntraTestServer[Key] };
  let stopEmulator: (() => Promise<void>) | undefined;
  reuseKeysAcrossTests();
  beforeAll(async () => {
    ({ emulator: started.emulator, environment: started.environment, stop: stopEmulator } = await startEmulatorForServer());
    started.server = await startTestServer({ environment: started.environment, rotationRetry: quickRotationRetry });
  });
  afterAll(async () => {
    await started.server?.dispose();
    await stopEmulator?.();
  });
  beforeEach(async () => {
    await clearDatabase(started.server.database.dataSource);
    started.emulator.admin.reset();
  });
  return started;
}

/** Sends `mutation`, an updateCertificate of the applications from a PFX file of `certificate`; its payload. */
export async function updateCertificateFromPfx<Payload>(
  server: TestServer,
  mutation: string,
  { organizationId, applicationIds, certificate }: { organizationId: string; applicationIds: string[]; certificate: TestCertificate },
): Promise<Payload> {
  const pfx = forgePfx({ certificate });
  const { data, errors } = await server.upload<{ updateCertificate: Payload }>(
    mutation,
    {
      input: {
        organizationId,
        applications: applicationIds.map((applicationId) => ({ applicationId })),
        pfx: { file: null, password: pfx.password },
      },
    },
    { path: 'variables.input.pfx.file', content: pfx.file },
  );
  expect(errors).toBeUndefined();
  return data!.updateCertificate;
}

/** Imports the certificate with its key into the server's store; returns its store id. */
export async function importIntoStore(server: TestServer, certificate: TestCertificate): Promise<string> {
  const pfx = forgePfx({ certificate });
  const response = await server.upload<{ importCertificate: { certificate: { id: string } | null; errors: unknown[] } }>(
    `mutation($input: ImportCertificateInput!) { importCertificate(input: $input) { certificate { id } errors { code } } }`,
    { input: { file: null, password: pfx.password } },
    { path: 'variables.input.file', content: pfx.file },
  );
  if (response.data?.importCertificate.errors.length) {
    const { data } = await server.graphql<{ certificateStore: { id: string }[] }>(
      `query($search: String) { certificateStore(filter: { search: $search }) { id } }`,
      { search: certificate.thumbprint },
    );
    if (data?.certificateStore[0]) return data.certificateStore[0].id;
  }
  if (!response.data?.importCertificate.certificate) throw new Error(`import failed: ${JSON.stringify(response)}`);
  return response.data.importCertificate.certificate.id;
}

/** The real credential of an application signing in with a certificate, against the emulator. */
export function signInAs(emulator: RunningEntraEmulator, appId: string, certificate: TestCertificate) {
  const keyPem = certificate.key.export({ type: 'pkcs8', format: 'pem' }).toString();
  return new ClientCertificateCredential(
    tenant.id,
    appId,
    { certificate: `${certificate.pem}\n${keyPem}` },
    { authorityHost: emulator.url, disableInstanceDiscovery: true, tlsOptions: { ca: emulator.caCertificatePem } },
  ).getToken('https://graph.microsoft.com/.default');
}

/** Thumbprints Entra holds for an application, per the emulator. */
export function entraThumbprints(emulator: RunningEntraEmulator, appId: string): string[] {
  const application = emulator.admin
    .state()
    .tenants.flatMap((candidate) => candidate.applications)
    .find((candidate) => candidate.appId === appId)!;
  return application.keyCredentials.map((key) => key.customKeyIdentifier).sort();
}

/**
 * Through a spawned instance's API: the tenant added as an organization (its management certificate generated and
 * registered in Entra), its first backup application added, and a certificate generated to rotate that application to.
 */
export async function organizationReadyToRotate(graphql: InstanceGraphQL, emulator: RunningEntraEmulator, label: string) {
  const answer = async <Data>(query: string, variables: Record<string, unknown>) => {
    const { data, errors } = await graphql<Data>(query, variables);
    expect(errors).toBeUndefined();
    return data!;
  };
  const generate = async (commonName: string) =>
    (
      await answer<{ generateCertificate: { certificate: { id: string; derBase64: string; thumbprint: string } } }>(
        'mutation($input: GenerateCertificateInput!) { generateCertificate(input: $input) { certificate { id derBase64 thumbprint } errors { code } } }',
        { input: { commonName, notAfter: new Date(Date.now() + 90 * 86_400_000).toISOString() } },
      )
    ).generateCertificate.certificate;

  const managementCertificate = await generate(`${label} Management`);
  emulator.admin.registerKeyCredential(tenant.id, management.appId, { key: managementCertificate.derBase64 });
  const added = await answer<{ addOrganization: { organization: { id: string } | null; errors: unknown[] } }>(
    'mutation($input: AddOrganizationInput!) { addOrganization(input: $input) { organization { id } errors { code } } }',
    { input: { tenant: tenant.domain, managementApplicationId: management.appId, managementCertificateId: managementCertificate.id } },
  );
  expect(added.addOrganization.errors).toEqual([]);
  const organizationId = added.addOrganization.organization!.id;
  const applicationId = backups[0]!.appId;
  const applications = await answer<{ addApplications: { errors: unknown[] } }>(
    'mutation($input: AddApplicationsInput!) { addApplications(input: $input) { errors { code } } }',
    { input: { organizationId, applicationIds: [applicationId] } },
  );
  expect(applications.addApplications.errors).toEqual([]);
  return { organizationId, applicationId, next: await generate(`${label} 2026`) };
}
