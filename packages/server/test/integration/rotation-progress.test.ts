import { randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import { beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Role } from '../../src/common/actor.js';
import {
  backups,
  importIntoStore,
  management,
  newCertificate,
  organizationReadyToRotate,
  tenant,
  useEntraTestServer,
} from '../support/entra-fixture.js';
import { startServerInstances } from '../support/server-instances.js';
import { testDatabaseKind } from '../support/test-server.js';

/**
 * `certificateRotationProgress` over a real WebSocket while `updateCertificate` rotates keys in the
 * Entra emulator: each step arrives as it happens, failures name the step and Entra's code, and only
 * the actor who started an operation sees it.
 */
let operator: { bearer: string };

const entra = useEntraTestServer();
beforeEach(async () => {
  operator = await entra.server.tokenFor(Role.OPERATOR);
});

interface Progress {
  applicationId: string | null;
  step: string | null;
  status: string;
  attempt: number | null;
  errorCode: string | null;
  entraCode: string | null;
}

const progressSubscription = `subscription($operationId: ID!) { certificateRotationProgress(operationId: $operationId) {
  applicationId step status attempt errorCode entraCode } }`;

/** A graphql-ws subscriber over a real WebSocket — with a bearer token, or a session cookie on the upgrade as the console does — keeping what it receives. */
function follow(operationId: string, bearer: string, on: { graphqlUrl: string; cookie?: string } = { graphqlUrl: entra.server.graphqlUrl }) {
  const client = createClient({
    url: on.graphqlUrl.replace('http:', 'ws:'),
    webSocketImpl: on.cookie
      ? class extends WebSocket {
          constructor(address: string, protocols?: string | string[]) {
            super(address, protocols, { headers: { cookie: on.cookie! } });
          }
        }
      : WebSocket,
    retryAttempts: 0,
    connectionParams: on.cookie ? {} : { authorization: `Bearer ${bearer}` },
  });
  const received: Progress[] = [];
  const errors: { extensions?: { code?: string } }[] = [];
  let changed = () => undefined as void;
  client.subscribe<{ certificateRotationProgress: Progress }>(
    { query: progressSubscription, variables: { operationId } },
    {
      next: ({ data, errors: graphqlErrors }) => {
        if (data) received.push(data.certificateRotationProgress);
        if (graphqlErrors) errors.push(...(graphqlErrors as never[]));
        changed();
      },
      error: (error) => {
        errors.push(...(Array.isArray(error) ? error : [error]));
        changed();
      },
      complete: () => undefined,
    },
  );
  const until = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      changed = () => done() && resolve();
      changed();
    });
  return {
    received,
    errors,
    listening: () => until(() => received.length > 0 || errors.length > 0),
    until,
    dispose: () => client.dispose(),
  };
}

async function connectedApplications(count: number, current: ReturnType<typeof newCertificate>) {
  const managementCertificate = newCertificate('Progress Management');
  const managementCertificateId = await importIntoStore(entra.server, managementCertificate);
  entra.emulator.admin.registerKeyCredential(tenant.id, management.appId, { key: managementCertificate.der.toString('base64') });
  const added = await entra.server.graphql<{ addOrganization: { organization: { id: string } } }>(
    `mutation($input: AddOrganizationInput!) { addOrganization(input: $input) { organization { id } errors { code } } }`,
    { input: { tenant: tenant.domain, managementApplicationId: management.appId, managementCertificateId } },
  );
  const organizationId = added.data!.addOrganization.organization.id;
  const applicationIds = backups.slice(0, count).map((backup) => backup.appId);
  await entra.server.graphql(`mutation($input: AddApplicationsInput!) { addApplications(input: $input) { errors { code } } }`, {
    input: { organizationId, applicationIds },
  });
  for (const appId of applicationIds) entra.emulator.admin.registerKeyCredential(tenant.id, appId, { key: current.der.toString('base64') });
  const first = await update(organizationId, applicationIds, await importIntoStore(entra.server, current), { skipRegistration: true });
  expect(first.errors).toEqual([]);
  return { organizationId, applicationIds };
}

async function update(
  organizationId: string,
  applicationIds: string[],
  storeCertificateId: string,
  extra: { operationId?: string; skipRegistration?: boolean } = {},
  credential: { bearer: string } = operator,
) {
  const { data, errors } = await entra.server.graphqlAs<{ updateCertificate: { errors: { code: string; ids: string[] }[] } }>(
    credential,
    `mutation($input: UpdateCertificateInput!) { updateCertificate(input: $input) { errors { code ids } } }`,
    { input: { organizationId, applications: applicationIds.map((applicationId) => ({ applicationId })), storeCertificateId, ...extra } },
  );
  expect(errors).toBeUndefined();
  return data!.updateCertificate;
}

const transitions = (received: Progress[], applicationId?: string) =>
  received
    .filter((progress) => progress.status !== 'RETRYING' && (applicationId === undefined || [null, applicationId].includes(progress.applicationId)))
    .map((progress) => `${progress.step ?? '-'} ${progress.status}`);

describe('certificateRotationProgress', () => {
  it('delivers every step in order as the rotation runs, with the sign-in retries while Entra replicates the key', async () => {
    const current = newCertificate('Progress 2025');
    const { organizationId, applicationIds } = await connectedApplications(1, current);
    const nextId = await importIntoStore(entra.server, newCertificate('Progress 2026'));
    const operationId = randomUUID();
    const progress = follow(operationId, operator.bearer);
    await progress.listening();
    entra.emulator.admin.configure({ keyReplicationDelayMs: 1500 });

    expect((await update(organizationId, applicationIds, nextId, { operationId })).errors).toEqual([]);
    await progress.until(() => progress.received.some((item) => item.step === 'REMOVE_OLD_KEY' && item.status === 'DONE'));
    expect(progress.errors).toEqual([]);
    expect(transitions(progress.received)).toEqual([
      '- LISTENING',
      'VALIDATE RUNNING',
      'VALIDATE DONE',
      'REGISTER RUNNING',
      'REGISTER DONE',
      'PROVE RUNNING',
      'PROVE DONE',
      'SWITCH RUNNING',
      'SWITCH DONE',
      'REMOVE_OLD_KEY RUNNING',
      'REMOVE_OLD_KEY DONE',
    ]);
    const retries = progress.received.filter((item) => item.status === 'RETRYING');
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]).toMatchObject({ step: 'PROVE', applicationId: applicationIds[0], attempt: 1, entraCode: 'AADSTS700027' });
    // The operation id is the rotation's batch: the durable record of the same operation.
    const rows: { state: string }[] = await entra.server.database.dataSource.query(`SELECT state FROM key_rotations WHERE batch_id = $1`, [
      operationId,
    ]);
    expect(rows).toEqual([{ state: 'OLD_KEY_REMOVED' }]);
    await progress.dispose();
  });

  it('names the failing step and Entra’s code, per application of a bulk update, and the withdrawn keys', async () => {
    const current = newCertificate('Progress 2025');
    const { organizationId, applicationIds } = await connectedApplications(2, current);
    const nextId = await importIntoStore(entra.server, newCertificate('Progress 2026'));

    // Registration refused for the second application: the first one's new key is withdrawn.
    entra.emulator.admin.injectFault({ kind: 'serverError', target: 'graph', count: 5, status: 500, pathContains: `${backups[1]!.id}/addKey` });
    const failedRegistration = randomUUID();
    const watching = follow(failedRegistration, operator.bearer);
    await watching.listening();
    const result = await update(organizationId, applicationIds, nextId, { operationId: failedRegistration });
    expect(result.errors[0]?.code).toBe('ROTATION_REGISTRATION_FAILED');
    await watching.until(() => watching.received.some((item) => item.step === 'REGISTER' && item.status === 'UNDONE'));
    expect(transitions(watching.received, applicationIds[0])).toEqual([
      '- LISTENING',
      'VALIDATE RUNNING',
      'VALIDATE DONE',
      'REGISTER RUNNING',
      'REGISTER DONE',
      'PROVE RUNNING',
      'PROVE DONE',
      'REGISTER UNDONE',
    ]);
    const failure = watching.received.find((item) => item.status === 'FAILED')!;
    expect(failure).toMatchObject({ applicationId: applicationIds[1], step: 'REGISTER', errorCode: 'ROTATION_REGISTRATION_FAILED' });
    expect(failure.entraCode).toEqual(expect.any(String));
    await watching.dispose();

    // Sign-in with the new key refused until the proof times out.
    entra.emulator.admin.clearFaults();
    entra.emulator.admin.configure({ keyReplicationDelayMs: 60_000 });
    const failedProof = randomUUID();
    const proof = follow(failedProof, operator.bearer);
    await proof.listening();
    expect((await update(organizationId, [applicationIds[0]!], nextId, { operationId: failedProof })).errors[0]?.code).toBe('ROTATION_PROOF_FAILED');
    await proof.until(() => proof.received.some((item) => item.step === 'REGISTER' && item.status === 'UNDONE'));
    expect(proof.received.find((item) => item.status === 'FAILED')).toMatchObject({
      step: 'PROVE',
      errorCode: 'ROTATION_PROOF_FAILED',
      entraCode: 'AADSTS700027',
    });
    await proof.dispose();
  });

  it('another actor receives nothing of an operation, and cannot subscribe to it once it has started; viewers cannot subscribe', async () => {
    const current = newCertificate('Progress 2025');
    const { organizationId, applicationIds } = await connectedApplications(1, current);
    const nextId = await importIntoStore(entra.server, newCertificate('Progress 2026'));
    const operationId = randomUUID();
    const owner = follow(operationId, operator.bearer);
    const otherOperator = await entra.server.tokenFor(Role.OPERATOR);
    const eavesdropper = follow(operationId, otherOperator.bearer);
    await Promise.all([owner.listening(), eavesdropper.listening()]);

    expect((await update(organizationId, applicationIds, nextId, { operationId })).errors).toEqual([]);
    await owner.until(() => owner.received.some((item) => item.step === 'REMOVE_OLD_KEY' && item.status === 'DONE'));
    expect(eavesdropper.received.map((item) => item.status)).toEqual(['LISTENING']);

    const late = follow(operationId, otherOperator.bearer);
    await late.listening();
    expect(late.received).toEqual([]);
    expect(late.errors.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);

    const viewer = follow(randomUUID(), (await entra.server.tokenFor(Role.VIEWER)).bearer);
    await viewer.listening();
    expect(viewer.errors.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);

    const invalid = follow('not-a-uuid', operator.bearer);
    await invalid.listening();
    expect(invalid.errors.map((error) => error.extensions?.code)).toEqual(['OPERATION_ID_INVALID']);
    await Promise.all([owner, eavesdropper, late, viewer, invalid].map((subscriber) => subscriber.dispose()));
  });
});

describe.runIf(testDatabaseKind === 'postgres')('behind a load balancer', () => {
  it('delivers the steps to a subscriber on another instance than the one running the update (PostgreSQL NOTIFY), over the session cookie', async () => {
    const instances = await startServerInstances({ environment: entra.environment });
    const [oneUrl, otherUrl] = instances.urls as [string, string];
    const { cookie } = instances;
    try {
      const graphql = async <Data>(query: string, variables?: Record<string, unknown>) =>
        (await instances.graphqlOn(oneUrl)<Data>(query, variables)).data!;
      const { organizationId, applicationId, next } = await organizationReadyToRotate(instances.graphqlOn(oneUrl), entra.emulator, 'Load-balanced');

      const operationId = randomUUID();
      const progress = follow(operationId, '', { graphqlUrl: `${otherUrl}/graphql`, cookie });
      await progress.listening();
      expect(progress.errors).toEqual([]);
      const result = await graphql<{ updateCertificate: { errors: unknown[] } }>(
        `
          mutation ($input: UpdateCertificateInput!) {
            updateCertificate(input: $input) {
              errors {
                code
              }
            }
          }
        `,
        { input: { organizationId, applications: [{ applicationId }], storeCertificateId: next.id, operationId } },
      );
      expect(result.updateCertificate.errors).toEqual([]);
      await progress.until(() => progress.received.some((item) => item.step === 'REMOVE_OLD_KEY'));
      expect(transitions(progress.received)).toEqual([
        '- LISTENING',
        'VALIDATE RUNNING',
        'VALIDATE DONE',
        'REGISTER RUNNING',
        'REGISTER DONE',
        'PROVE RUNNING',
        'PROVE DONE',
        'SWITCH RUNNING',
        'SWITCH DONE',
        'REMOVE_OLD_KEY SKIPPED',
      ]);
      await progress.dispose();
    } finally {
      await instances.stop();
    }
  });
});
