import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { errorMessages, operationErrorMessages } from '@bam/shared';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { masterKeyId } from '../../src/key-custody/private-key-vault.js';
import { APPLICATIONS_LISTED_ONCE_FROM } from '../../src/events/event-outbox.service.js';
import { createWebhookLoaders } from '../../src/webhooks/webhook-delivery.loaders.js';
import { type SeededOrganization, seedManyApplications, seedOrganization } from '../support/seed.js';
import { startServerInstances } from '../support/server-instances.js';
import { createTestDatabase } from '../support/test-database.js';
import { startTestServer, testDatabaseKind, useTestServer } from '../support/test-server.js';
import { eventually, heldUntilReleased, startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * Small delays and limits, so retries, giving up and disabling happen within a test. The time limit is
 * long: a receiver that holds a request keeps it until the test releases it, not until the server gives up.
 */
const webhookEnvironment = {
  WEBHOOK_RETRY_BASE_MS: '20',
  WEBHOOK_RETRY_MAX_MS: '200',
  WEBHOOK_MAX_ATTEMPTS: '3',
  WEBHOOK_DISABLE_AFTER_GIVEN_UP: '2',
  WEBHOOK_POLL_INTERVAL_MS: '200',
  WEBHOOK_TIMEOUT_MS: '60000',
};

const server = useTestServer({ environment: webhookEnvironment });
const receivers: WebhookReceiver[] = [];

beforeEach(async () => {
  await server.database.dataSource.query('DELETE FROM webhook_endpoints');
});

afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.close();
});

async function receiver(answer?: Parameters<typeof startWebhookReceiver>[0], ports?: number[]): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver(answer, ports);
  receivers.push(started);
  return started;
}

interface Endpoint {
  id: string;
  url: string;
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: string | null;
  eventTypes: string[];
}

interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  lastHttpStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  attemptHistory: { attempt: number; attemptedAt: string; httpStatus: number | null; error: string | null; retryAt: string | null }[];
}

const endpointFields = 'id url enabled disabledReason disabledAt eventTypes organizationIds description';
const deliveryFields =
  'id eventId eventType status attempts lastHttpStatus lastError nextAttemptAt attemptHistory { attempt attemptedAt httpStatus error retryAt }';

async function createEndpoint(input: Record<string, unknown>) {
  const { data, errors } = await server.graphql<{
    createWebhookEndpoint: { endpoint: Endpoint | null; secret: string | null; errors: { code: string }[] };
  }>(
    `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { ${endpointFields} } secret errors { code } } }`,
    { input },
  );
  expect(errors).toBeUndefined();
  return data!.createWebhookEndpoint;
}

async function createdEndpoint(
  url: string,
  eventTypes: string[],
  extra: Record<string, unknown> = {},
): Promise<{ endpoint: Endpoint; secret: string }> {
  const created = await createEndpoint({ url, eventTypes, ...extra });
  expect(created.errors).toEqual([]);
  return { endpoint: created.endpoint!, secret: created.secret! };
}

async function endpoints(): Promise<(Endpoint & { deliveries: { totalCount: number; edges: { node: Delivery }[] } })[]> {
  const { data, errors } = await server.graphql<{
    webhookEndpoints: (Endpoint & { deliveries: { totalCount: number; edges: { node: Delivery }[] } })[];
  }>(`query { webhookEndpoints { ${endpointFields} deliveries(first: 100) { totalCount edges { node { ${deliveryFields} } } } } }`);
  expect(errors).toBeUndefined();
  return data!.webhookEndpoints;
}

async function deliveriesOf(endpointId: string): Promise<Delivery[]> {
  const endpoint = (await endpoints()).find((candidate) => candidate.id === endpointId);
  return endpoint!.deliveries.edges.map((edge) => edge.node);
}

async function generateCertificate(commonName: string, graphql = server.graphql): Promise<{ id: string; thumbprint: string }> {
  const { data } = await graphql<{ generateCertificate: { certificate: { id: string; thumbprint: string } | null; errors: { code: string }[] } }>(
    'mutation($input: GenerateCertificateInput!) { generateCertificate(input: $input) { certificate { id thumbprint } errors { code } } }',
    { input: { commonName, notAfter: new Date(Date.now() + 90 * 24 * 3600 * 1000).toISOString() } },
  );
  expect(data!.generateCertificate.errors).toEqual([]);
  return data!.generateCertificate.certificate!;
}

async function removeApplications(organization: SeededOrganization, applicationIds: string[]): Promise<string[]> {
  const { data } = await server.graphql<{ removeApplications: { errors: { code: string }[] } }>(
    'mutation($input: RemoveApplicationsInput!) { removeApplications(input: $input) { errors { code } } }',
    { input: { organizationId: organization.organization.id, applicationIds } },
  );
  return data!.removeApplications.errors.map((error) => error.code);
}

async function recordedEvents(): Promise<{ id: string; type: string; cloudEvent: Record<string, unknown> }[]> {
  const { data } = await server.graphql<{
    certificateEvents: { edges: { node: { id: string; type: string; cloudEvent: Record<string, unknown> } }[] };
  }>('query { certificateEvents(first: 100) { edges { node { id type cloudEvent } } } }');
  return data!.certificateEvents.edges.map((edge) => edge.node);
}

/** The signature check a receiver without the library would write: HMAC-SHA256 over "id.timestamp.body" with the base64 key after `whsec_`. */
function rawSignatureMatches(secret: string, headers: Record<string, string | string[] | undefined>, body: string): boolean {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`).digest('base64');
  return String(headers['webhook-signature'])
    .split(' ')
    .some((entry) => entry === `v1,${expected}`);
}

describe('webhook deliveries', () => {
  it('POSTs each event as CloudEvents JSON, signed so that the Standard Webhooks verifier and a raw HMAC check both accept it', async () => {
    const hooks = await receiver();
    const { endpoint, secret } = await createdEndpoint(hooks.url, ['STORE_CERTIFICATE_GENERATED'], { description: 'SIEM' });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(endpoint.enabled).toBe(true);

    const certificate = await generateCertificate('Signed Delivery');
    const [request] = await hooks.waitFor(1);
    const [event] = await recordedEvents();
    expect(request!.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
    expect(request!.headers['webhook-id']).toBe(event!.id);
    expect(request!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);

    const verified = new Webhook(secret).verify(request!.body, request!.headers as Record<string, string>);
    expect(verified).toEqual(event!.cloudEvent);
    expect(verified).toMatchObject({ specversion: '1.0', id: event!.id, data: { certificate: { id: certificate.id } } });
    expect(rawSignatureMatches(secret, request!.headers, request!.body)).toBe(true);
    // Another secret, or a changed body, fails both checks.
    const otherSecret = `whsec_${randomBytes(32).toString('base64')}`;
    expect(() => new Webhook(otherSecret).verify(request!.body, request!.headers as Record<string, string>)).toThrow();
    expect(rawSignatureMatches(otherSecret, request!.headers, request!.body)).toBe(false);
    expect(rawSignatureMatches(secret, request!.headers, request!.body.replace('Signed Delivery', 'Signed Deliverz'))).toBe(false);

    const [delivery] = await eventually(
      () => deliveriesOf(endpoint.id),
      (rows) => rows[0]?.status === 'DELIVERED',
    );
    expect(delivery).toMatchObject({
      eventId: event!.id,
      eventType: 'STORE_CERTIFICATE_GENERATED',
      attempts: 1,
      lastHttpStatus: 204,
      lastError: null,
      nextAttemptAt: null,
    });
  });

  it('never shows the secret again: not in the list, the audit log, the logs or the database in clear', async () => {
    const hooks = await receiver();
    const { endpoint, secret } = await createdEndpoint(hooks.url, ['STORE_CERTIFICATE_GENERATED']);
    await generateCertificate('Secret Check');
    await hooks.waitFor(1);
    const rotated = await server.graphql<{ rotateWebhookSecret: { secret: string; errors: unknown[] } }>(
      'mutation($input: WebhookEndpointIdInput!) { rotateWebhookSecret(input: $input) { secret errors { code } } }',
      { input: { endpointId: endpoint.id } },
    );
    const newSecret = rotated.data!.rotateWebhookSecret.secret;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(secret);

    // Deliveries from now on are signed with the new secret only.
    await generateCertificate('After Rotation');
    const [, afterRotation] = await hooks.waitFor(2);
    expect(() => new Webhook(newSecret).verify(afterRotation!.body, afterRotation!.headers as Record<string, string>)).not.toThrow();
    expect(rawSignatureMatches(secret, afterRotation!.headers, afterRotation!.body)).toBe(false);

    const listed = JSON.stringify(await endpoints());
    const audit = JSON.stringify((await server.graphql('query { auditLog(first: 100) { edges { node { action details } } } }')).data);
    const rows = JSON.stringify(await server.database.dataSource.query('SELECT * FROM webhook_endpoints'));
    for (const text of [listed, audit, rows, server.logs.join('\n')]) {
      for (const shown of [secret, newSecret]) {
        expect(text).not.toContain(shown);
        expect(text).not.toContain(shown.slice('whsec_'.length));
      }
    }
    expect(audit).toContain('WEBHOOK_ENDPOINT_CREATED');
    expect(audit).toContain('WEBHOOK_SECRET_ROTATED');
  });

  it('delivers only the chosen event types of the chosen organizations', async () => {
    const { dataSource } = server.database;
    const contoso = await seedOrganization(dataSource, 'contoso.onmicrosoft.com', [{ displayName: 'Contoso 1' }, { displayName: 'Contoso 2' }]);
    const fabrikam = await seedOrganization(dataSource, 'fabrikam.onmicrosoft.com', [{ displayName: 'Fabrikam 1' }]);
    const removals = await receiver();
    const store = await receiver();
    const contosoRemovals = await createdEndpoint(removals.url, ['APPLICATIONS_REMOVED'], { organizationIds: [contoso.organization.id] });
    const storeEvents = await createdEndpoint(store.url, ['STORE_CERTIFICATE_GENERATED', 'STORE_CERTIFICATE_REMOVED']);

    expect(await removeApplications(fabrikam, [fabrikam.applications[0]!.applicationId])).toEqual([]);
    expect(await removeApplications(contoso, [contoso.applications[0]!.applicationId])).toEqual([]);
    await generateCertificate('Filtered');
    // The last event reached its endpoint: every earlier one has been dispatched.
    await store.waitFor(1);
    await removals.waitFor(1);
    const removal = JSON.parse(removals.requests[0]!.body) as { type: string; source: string };
    expect(removal).toMatchObject({
      type: 'com.backup-applications-manager.applications.removed',
      source: `/organizations/${contoso.organization.id}`,
    });
    expect(JSON.parse(store.requests[0]!.body)).toMatchObject({ type: 'com.backup-applications-manager.store-certificate.generated' });
    expect((await deliveriesOf(contosoRemovals.endpoint.id)).map((delivery) => delivery.eventType)).toEqual(['APPLICATIONS_REMOVED']);
    expect((await deliveriesOf(storeEvents.endpoint.id)).map((delivery) => delivery.eventType)).toEqual(['STORE_CERTIFICATE_GENERATED']);
  });

  // fetch() refuses the Fetch standard's "bad ports", a browser's guard against web pages reaching other services;
  // an administrator's receiver may listen on one (10080 is Amanda's backup port).
  it('delivers to a receiver on a port that browsers refuse', async () => {
    const badPorts = [10080, 6000, 6665, 6666, 6667, 6668, 6669, 6697, 5060, 5061, 4190, 6566];
    const onBadPort = await receiver(undefined, badPorts);
    expect(badPorts.map(String)).toContain(new URL(onBadPort.url).port);
    const { endpoint } = await createdEndpoint(onBadPort.url, ['STORE_CERTIFICATE_GENERATED']);
    await generateCertificate('Bad port');
    await onBadPort.waitFor(1, 5_000);
    const [delivery] = await eventually(
      () => deliveriesOf(endpoint.id),
      (rows) => rows[0]?.status === 'DELIVERED',
    );
    expect(delivery).toMatchObject({ status: 'DELIVERED', attempts: 1, lastHttpStatus: 204, lastError: null });
  });

  it('sends the event of a bulk removal with every application, though the outbox stores the list only in its audit entry', async () => {
    const { dataSource } = server.database;
    const contoso = await seedOrganization(dataSource, 'contoso.onmicrosoft.com', []);
    const applicationIds = await seedManyApplications(dataSource, contoso.organization.id, APPLICATIONS_LISTED_ONCE_FROM);
    const hooks = await receiver();
    const { secret } = await createdEndpoint(hooks.url, ['APPLICATIONS_REMOVED']);

    expect(await removeApplications(contoso, applicationIds)).toEqual([]);
    const [request] = await hooks.waitFor(1);
    const [event] = await recordedEvents();
    const verified = new Webhook(secret).verify(request!.body, request!.headers as Record<string, string>) as { data: { applications: unknown[] } };
    expect(verified).toEqual(event!.cloudEvent);
    expect(verified.data.applications).toEqual(
      applicationIds.map((applicationId) => ({ applicationId, displayName: expect.stringMatching(/^Bulk application \d{6}$/) as unknown })),
    );
  });

  it('a refused change sends nothing', async () => {
    const { dataSource } = server.database;
    const contoso = await seedOrganization(dataSource, 'contoso.onmicrosoft.com', [{ displayName: 'Contoso 1' }]);
    const hooks = await receiver();
    const { endpoint } = await createdEndpoint(hooks.url, ['APPLICATIONS_REMOVED', 'STORE_CERTIFICATE_GENERATED']);
    // The second application does not exist: the whole removal is refused and rolled back.
    expect(await removeApplications(contoso, [contoso.applications[0]!.applicationId, '00000000-0000-4000-8000-000000000000'])).not.toEqual([]);
    await generateCertificate('After Refusal');
    await hooks.waitFor(1);
    expect(hooks.requests.map((request) => (JSON.parse(request.body) as { type: string }).type)).toEqual([
      'com.backup-applications-manager.store-certificate.generated',
    ]);
    expect((await deliveriesOf(endpoint.id)).map((delivery) => delivery.eventType)).toEqual(['STORE_CERTIFICATE_GENERATED']);
  });

  it('never holds up the change: the mutation answers while the receiver still keeps the delivery waiting', async () => {
    const { answer, release } = heldUntilReleased();
    const hooks = await receiver(answer);
    const { endpoint } = await createdEndpoint(hooks.url, ['STORE_CERTIFICATE_GENERATED']);
    const certificate = await generateCertificate('Not Blocked');
    expect(certificate.id).toBeTruthy();
    // The mutation has answered; the delivery reached the receiver, which has not answered yet.
    await hooks.waitFor(1);
    const [waiting] = await deliveriesOf(endpoint.id);
    expect(waiting).toMatchObject({ status: 'PENDING', attempts: 1, lastHttpStatus: null });
    release(200);
    await eventually(
      () => deliveriesOf(endpoint.id),
      (rows) => rows[0]?.status === 'DELIVERED',
    );
  });

  it('a receiver that hangs holds up no other endpoint, however many deliveries it has waiting', async () => {
    const contoso = await seedOrganization(
      server.database.dataSource,
      'contoso.onmicrosoft.com',
      Array.from({ length: 31 }, (_, index) => ({ displayName: `Contoso ${index}` })),
    );
    const hanging = heldUntilReleased();
    const hang = await receiver(hanging.answer);
    const hangEndpoint = await createdEndpoint(hang.url, ['APPLICATIONS_REMOVED']);
    for (const application of contoso.applications.slice(0, 30)) expect(await removeApplications(contoso, [application.applicationId])).toEqual([]);
    await hang.waitFor(1);

    // 30 deliveries wait for the hanging receiver; the next event also goes to one that answers at once.
    const ok = await receiver();
    const okEndpoint = await createdEndpoint(ok.url, ['APPLICATIONS_REMOVED']);
    expect(await removeApplications(contoso, [contoso.applications[30]!.applicationId])).toEqual([]);
    await ok.waitFor(1);
    await eventually(
      () => deliveriesOf(okEndpoint.endpoint.id),
      (rows) => rows[0]?.status === 'DELIVERED',
    );
    // Still none of the hanging receiver's requests has been answered, and they hold only part of the slots.
    expect(hang.requests.length).toBeGreaterThan(0);
    expect(hang.requests.length).toBeLessThanOrEqual(5);

    hanging.release(204);
    await hang.waitFor(31);
    const delivered = await eventually(
      () => deliveriesOf(hangEndpoint.endpoint.id),
      (rows) => rows.length === 31 && rows.every((row) => row.status === 'DELIVERED'),
    );
    expect(delivered.map((delivery) => delivery.attempts)).toEqual(Array.from({ length: 31 }, () => 1));
  });

  it('schedules a retry from its own attempt, not from when a slower attempt beside it ended', async () => {
    const slowAnswer = heldUntilReleased();
    const slow = await receiver(slowAnswer.answer);
    const flaky = await receiver((requestNumber) => (requestNumber === 1 ? 500 : 204));
    await createdEndpoint(slow.url, ['STORE_CERTIFICATE_GENERATED']);
    const { endpoint } = await createdEndpoint(flaky.url, ['STORE_CERTIFICATE_GENERATED']);
    await generateCertificate('Retried Beside A Slow Receiver');
    await Promise.all([slow.waitFor(1), flaky.waitFor(1)]);
    // Far longer than the longest retry wait (200 ms): a retry scheduled from the failed attempt is due before the release.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const released = Date.now();
    slowAnswer.release(204);

    const [delivery] = await eventually(
      () => deliveriesOf(endpoint.id),
      (rows) => rows[0]?.status === 'DELIVERED',
    );
    const [failed] = delivery!.attemptHistory;
    expect(failed).toMatchObject({ attempt: 1, httpStatus: 500 });
    // Scheduled from its own end (an immediate 500), not from when the slow attempt beside it ended.
    expect(Date.parse(failed!.retryAt!)).toBeLessThan(released);
  });

  it('retries a failing receiver with backoff until it accepts, recording every attempt', async () => {
    const hooks = await receiver((requestNumber) => (requestNumber <= 2 ? 500 : 200));
    const { endpoint, secret } = await createdEndpoint(hooks.url, ['STORE_CERTIFICATE_GENERATED']);
    await generateCertificate('Retried');
    await hooks.waitFor(3);
    const [delivery] = await eventually(
      () => deliveriesOf(endpoint.id),
      (rows) => rows[0]?.status === 'DELIVERED',
    );
    expect(delivery!.attempts).toBe(3);
    expect(delivery!.attemptHistory.map(({ attempt, httpStatus }) => ({ attempt, httpStatus }))).toEqual([
      { attempt: 1, httpStatus: 500 },
      { attempt: 2, httpStatus: 500 },
      { attempt: 3, httpStatus: 200 },
    ]);
    expect(delivery!.attemptHistory.map((attempt) => attempt.retryAt !== null)).toEqual([true, true, false]);
    expect(delivery!.attemptHistory[0]!.error).toBe('HTTP 500: Internal Server Error');
    // The same message each time (receivers drop repeats by webhook-id), each signed anew.
    expect(new Set(hooks.requests.map((request) => request.headers['webhook-id'])).size).toBe(1);
    for (const request of hooks.requests) expect(rawSignatureMatches(secret, request.headers, request.body)).toBe(true);
    expect(hooks.requests).toHaveLength(3);
  });

  it('does not send to an address stored under older rules that are no longer allowed (plain HTTP to a *.localhost name)', async () => {
    const hooks = await receiver();
    const { endpoint } = await createdEndpoint(hooks.url, ['STORE_CERTIFICATE_GENERATED']);
    // Before plain HTTP was limited to localhost itself, such a name was accepted; Node resolves it through DNS.
    const storedUnderOldRules = hooks.url.replace('127.0.0.1', 'receiver.localhost');
    await server.database.dataSource.query('UPDATE webhook_endpoints SET url = $1 WHERE id = $2', [storedUnderOldRules, endpoint.id]);
    await generateCertificate('Old Address');
    const [delivery] = await eventually(
      () => deliveriesOf(endpoint.id),
      (rows) => rows[0]?.status === 'GAVE_UP',
    );
    expect(delivery!.attemptHistory.map((attempt) => attempt.error)).toEqual(
      Array(3).fill('Not sent: Use an https:// address. Plain http:// is allowed only for this machine (localhost, 127.0.0.1, ::1).'),
    );
    expect(hooks.requests).toHaveLength(0);
  });

  it('gives up after the last attempt, and disables an endpoint that keeps failing, with the reason', async () => {
    const hooks = await receiver(() => 503);
    const { endpoint } = await createdEndpoint(hooks.url, ['STORE_CERTIFICATE_GENERATED']);
    await generateCertificate('Failing 1');
    await generateCertificate('Failing 2');
    const [disabled] = await eventually(
      async () => (await endpoints()).filter((candidate) => candidate.id === endpoint.id),
      ([candidate]) => candidate?.enabled === false,
    );
    expect(disabled!.disabledReason).toBe('2 deliveries in a row were given up after every attempt failed');
    expect(disabled!.disabledAt).not.toBeNull();
    const given = await deliveriesOf(endpoint.id);
    expect(given.map((delivery) => [delivery.status, delivery.attempts, delivery.lastHttpStatus, delivery.nextAttemptAt])).toEqual([
      ['GAVE_UP', 3, 503, null],
      ['GAVE_UP', 3, 503, null],
    ]);
    expect(hooks.requests).toHaveLength(6);

    const audit = await server.graphql<{ auditLog: { edges: { node: { actorKind: string; details: { reason: string } } }[] } }>(
      'query { auditLog(first: 10, filter: { actions: [WEBHOOK_ENDPOINT_DISABLED] }) { edges { node { actorKind details } } } }',
    );
    expect(audit.data!.auditLog.edges.map((edge) => [edge.node.actorKind, edge.node.details.reason])).toEqual([
      ['SYSTEM', '2 deliveries in a row were given up after every attempt failed'],
    ]);

    // Disabled: new events are not delivered to it, and it cannot be re-sent to.
    await generateCertificate('While Disabled');
    const resend = await server.graphql<{ resendWebhookEvent: { errors: { code: string }[] } }>(
      'mutation($input: ResendWebhookEventInput!) { resendWebhookEvent(input: $input) { errors { code } } }',
      { input: { endpointId: endpoint.id, eventId: given[0]!.eventId } },
    );
    expect(resend.data!.resendWebhookEvent.errors.map((error) => error.code)).toEqual(['WEBHOOK_ENDPOINT_DISABLED']);

    const enabled = await server.graphql<{ updateWebhookEndpoint: { endpoint: Endpoint; errors: unknown[] } }>(
      `mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { endpoint { ${endpointFields} } errors { code } } }`,
      { input: { endpointId: endpoint.id, enabled: true } },
    );
    expect(enabled.data!.updateWebhookEndpoint.endpoint).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null });
    expect((await deliveriesOf(endpoint.id)).length).toBe(2);
  });

  it('re-sends a delivered event with the same webhook-id, and an event recorded before the endpoint existed', async () => {
    await generateCertificate('Before The Endpoint');
    const hooks = await receiver();
    const { endpoint, secret } = await createdEndpoint(hooks.url, ['STORE_CERTIFICATE_GENERATED']);
    await generateCertificate('Delivered Once');
    await hooks.waitFor(1);
    const [delivered] = await eventually(
      () => deliveriesOf(endpoint.id),
      (rows) => rows[0]?.status === 'DELIVERED',
    );
    const resendMutation = `mutation($input: ResendWebhookEventInput!) { resendWebhookEvent(input: $input) { delivery { id status eventId } errors { code } } }`;
    const resent = await server.graphql<{ resendWebhookEvent: { delivery: { id: string; status: string; eventId: string }; errors: unknown[] } }>(
      resendMutation,
      { input: { endpointId: endpoint.id, eventId: delivered!.eventId } },
    );
    expect(resent.data!.resendWebhookEvent).toMatchObject({
      delivery: { id: delivered!.id, status: 'PENDING', eventId: delivered!.eventId },
      errors: [],
    });
    await hooks.waitFor(2);
    expect(hooks.requests[1]!.headers['webhook-id']).toBe(delivered!.eventId);
    expect(rawSignatureMatches(secret, hooks.requests[1]!.headers, hooks.requests[1]!.body)).toBe(true);
    const [again] = await eventually(
      () => deliveriesOf(endpoint.id),
      (rows) => rows[0]?.status === 'DELIVERED' && rows[0].attemptHistory.length === 2,
    );
    expect(again!.attempts).toBe(1);

    // The event from before the endpoint was never sent to it; it can be.
    const earlier = (await recordedEvents()).find(
      (event) =>
        (event.cloudEvent.data as { certificate: { id: string } }).certificate &&
        !hooks.requests.some((request) => request.headers['webhook-id'] === event.id),
    );
    const sent = await server.graphql<{ resendWebhookEvent: { errors: unknown[] } }>(resendMutation, {
      input: { endpointId: endpoint.id, eventId: earlier!.id },
    });
    expect(sent.data!.resendWebhookEvent.errors).toEqual([]);
    await hooks.waitFor(3);
    expect(hooks.requests[2]!.headers['webhook-id']).toBe(earlier!.id);

    const unknown = await server.graphql<{ resendWebhookEvent: { errors: { code: string; message: string }[] } }>(
      'mutation($input: ResendWebhookEventInput!) { resendWebhookEvent(input: $input) { errors { code message } } }',
      { input: { endpointId: endpoint.id, eventId: '00000000-0000-4000-8000-000000000000' } },
    );
    // The code of the subscriptions' unknown `after`, in words that fit a re-send.
    expect(unknown.data!.resendWebhookEvent.errors).toEqual([
      { code: 'EVENT_NOT_FOUND', message: operationErrorMessages.resendWebhookEvent.EVENT_NOT_FOUND },
    ]);
    expect(unknown.data!.resendWebhookEvent.errors[0]!.message).not.toBe(errorMessages.EVENT_NOT_FOUND);
  });

  it('records each change to an endpoint in the audit log with its value before and after, never the secret', async () => {
    const { dataSource } = server.database;
    const fabrikam = await seedOrganization(dataSource, 'fabrikam.onmicrosoft.com', []);
    const { endpoint, secret } = await createdEndpoint('https://hooks.example.com/bam', ['CERTIFICATE_UPDATED'], {
      organizationIds: [fabrikam.organization.id],
      description: 'SIEM',
    });
    const update = async (input: Record<string, unknown>) => {
      const { data } = await server.graphql<{ updateWebhookEndpoint: { errors: unknown[] } }>(
        'mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { errors { code } } }',
        { input: { endpointId: endpoint.id, ...input } },
      );
      expect(data!.updateWebhookEndpoint.errors).toEqual([]);
    };
    // The description is given unchanged: only what changed is recorded.
    await update({
      url: 'https://attacker.example/collect',
      eventTypes: ['CERTIFICATE_UPDATED', 'APPLICATIONS_ADDED'],
      organizationIds: [],
      description: 'SIEM',
    });
    await update({ enabled: false });

    const { data } = await server.graphql<{ auditLog: { edges: { node: { details: Record<string, unknown> } }[] } }>(
      'query { auditLog(first: 10, filter: { actions: [WEBHOOK_ENDPOINT_UPDATED] }) { edges { node { details } } } }',
    );
    const [disabled, redirected] = data!.auditLog.edges.map((edge) => edge.node.details);
    expect(redirected).toEqual({
      endpointId: endpoint.id,
      url: 'https://attacker.example/collect',
      changes: {
        url: { from: 'https://hooks.example.com/bam', to: 'https://attacker.example/collect' },
        eventTypes: { from: ['CERTIFICATE_UPDATED'], to: ['CERTIFICATE_UPDATED', 'APPLICATIONS_ADDED'] },
        // null: every organization's events, and the certificate store's.
        organizationIds: { from: [fabrikam.organization.id], to: null },
      },
    });
    expect(disabled).toEqual({
      endpointId: endpoint.id,
      url: 'https://attacker.example/collect',
      changes: { enabled: { from: true, to: false } },
    });
    const audit = JSON.stringify(data);
    expect(audit).not.toContain(secret);
    expect(audit).not.toContain(secret.slice('whsec_'.length));
  });

  it("refuses to re-send an event outside the endpoint's event types or organizations, and creates no delivery", async () => {
    const { dataSource } = server.database;
    const contoso = await seedOrganization(dataSource, 'contoso.onmicrosoft.com', [{ displayName: 'Contoso 1' }]);
    const fabrikam = await seedOrganization(dataSource, 'fabrikam.onmicrosoft.com', [{ displayName: 'Fabrikam 1' }]);
    expect(await removeApplications(contoso, [contoso.applications[0]!.applicationId])).toEqual([]);
    expect(await removeApplications(fabrikam, [fabrikam.applications[0]!.applicationId])).toEqual([]);
    await generateCertificate('Store Event');
    const events = await recordedEvents();
    const eventOf = (source: string) => events.find((event) => event.cloudEvent.source === source)!.id;
    const contosoRemoval = eventOf(`/organizations/${contoso.organization.id}`);
    const fabrikamRemoval = eventOf(`/organizations/${fabrikam.organization.id}`);
    const storeEvent = events.find((event) => event.type === 'STORE_CERTIFICATE_GENERATED')!.id;

    // Registered after the events: none is sent to it unless re-sent.
    const hooks = await receiver();
    const { endpoint } = await createdEndpoint(hooks.url, ['APPLICATIONS_REMOVED'], { organizationIds: [fabrikam.organization.id] });
    const resend = async (eventId: string) =>
      (
        await server.graphql<{
          resendWebhookEvent: { delivery: { eventId: string } | null; errors: { code: string; message: string; ids: string[] }[] };
        }>('mutation($input: ResendWebhookEventInput!) { resendWebhookEvent(input: $input) { delivery { eventId } errors { code message ids } } }', {
          input: { endpointId: endpoint.id, eventId },
        })
      ).data!.resendWebhookEvent;
    const refused = (eventId: string) => ({
      delivery: null,
      errors: [{ code: 'WEBHOOK_EVENT_NOT_SUBSCRIBED', message: errorMessages.WEBHOOK_EVENT_NOT_SUBSCRIBED, ids: [eventId] }],
    });
    // Another organization's event; the store's event, of no organization and another type.
    expect(await resend(contosoRemoval)).toEqual(refused(contosoRemoval));
    expect(await resend(storeEvent)).toEqual(refused(storeEvent));
    // The endpoint's organization, but a type it no longer wants.
    const update = (input: Record<string, unknown>) =>
      server.graphql('mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { errors { code } } }', {
        input: { endpointId: endpoint.id, ...input },
      });
    await update({ eventTypes: ['CERTIFICATE_UPDATED'] });
    expect(await resend(fabrikamRemoval)).toEqual(refused(fabrikamRemoval));
    expect(await deliveriesOf(endpoint.id)).toEqual([]);

    await update({ eventTypes: ['APPLICATIONS_REMOVED'] });
    expect(await resend(fabrikamRemoval)).toEqual({ delivery: { eventId: fabrikamRemoval }, errors: [] });
    const [request] = await hooks.waitFor(1);
    expect(request!.headers['webhook-id']).toBe(fabrikamRemoval);
    expect((await deliveriesOf(endpoint.id)).map((delivery) => delivery.eventId)).toEqual([fabrikamRemoval]);
    const audit = await server.graphql<{ auditLog: { edges: { node: { details: { endpointId: string; eventId: string } } }[] } }>(
      'query { auditLog(first: 100, filter: { actions: [WEBHOOK_EVENT_RESENT] }) { edges { node { details } } } }',
    );
    const resent = audit.data!.auditLog.edges.map((edge) => edge.node.details).filter((details) => details.endpointId === endpoint.id);
    expect(resent.map((details) => details.eventId)).toEqual([fabrikamRemoval]);
  });

  it('refuses bad endpoints with coded errors and changes nothing', async () => {
    const codeOf = async (input: Record<string, unknown>) => (await createEndpoint(input)).errors.map((error) => error.code);
    expect(await codeOf({ url: 'http://hooks.example.com/bam', eventTypes: ['CERTIFICATE_UPDATED'] })).toEqual(['WEBHOOK_URL_NOT_HTTPS']);
    expect(await codeOf({ url: 'https://user:password@hooks.example.com/bam', eventTypes: ['CERTIFICATE_UPDATED'] })).toEqual([
      'WEBHOOK_URL_HAS_CREDENTIALS',
    ]);
    expect(await codeOf({ url: 'not a url', eventTypes: ['CERTIFICATE_UPDATED'] })).toEqual(['WEBHOOK_URL_INVALID']);
    expect(await codeOf({ url: 'file:///etc/passwd', eventTypes: ['CERTIFICATE_UPDATED'] })).toEqual(['WEBHOOK_URL_INVALID']);
    expect(await codeOf({ url: 'https://hooks.example.com/bam', eventTypes: [] })).toEqual(['WEBHOOK_ENDPOINT_INVALID']);
    expect(await codeOf({ url: 'https://hooks.example.com/bam', eventTypes: ['CERTIFICATE_UPDATED'], description: 'x'.repeat(201) })).toEqual([
      'WEBHOOK_ENDPOINT_INVALID',
    ]);
    expect(
      await codeOf({
        url: 'https://hooks.example.com/bam',
        eventTypes: ['CERTIFICATE_UPDATED'],
        organizationIds: ['00000000-0000-4000-8000-000000000000'],
      }),
    ).toEqual(['ORGANIZATION_NOT_FOUND']);
    expect(await endpoints()).toEqual([]);

    const { endpoint } = await createdEndpoint('https://hooks.example.com/bam', ['CERTIFICATE_UPDATED']);
    const update = (input: Record<string, unknown>) =>
      server.graphql<{ updateWebhookEndpoint: { errors: { code: string }[] } }>(
        'mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { errors { code } } }',
        { input },
      );
    expect(
      (await update({ endpointId: endpoint.id, url: 'http://10.0.0.1/hook' })).data!.updateWebhookEndpoint.errors.map((error) => error.code),
    ).toEqual(['WEBHOOK_URL_NOT_HTTPS']);
    expect(
      (await update({ endpointId: '00000000-0000-4000-8000-000000000000', enabled: false })).data!.updateWebhookEndpoint.errors.map(
        (error) => error.code,
      ),
    ).toEqual(['WEBHOOK_ENDPOINT_NOT_FOUND']);
    const [unchanged] = await endpoints();
    expect(unchanged).toMatchObject({ url: 'https://hooks.example.com/bam', enabled: true });

    const deleted = await server.graphql<{ deleteWebhookEndpoint: { endpointId: string; errors: unknown[] } }>(
      'mutation($input: WebhookEndpointIdInput!) { deleteWebhookEndpoint(input: $input) { endpointId errors { code } } }',
      { input: { endpointId: endpoint.id } },
    );
    expect(deleted.data!.deleteWebhookEndpoint).toEqual({ endpointId: endpoint.id, errors: [] });
    expect(await endpoints()).toEqual([]);
  });
});

describe('delivery pages', () => {
  it('refuses a cursor past the largest sequence PostgreSQL can hold with INVALID_CURSOR, failing its own page only', async () => {
    const hooks = await receiver();
    const { endpoint } = await createdEndpoint(hooks.url, ['STORE_CERTIFICATE_GENERATED']);
    await generateCertificate('Paged Delivery');
    await hooks.waitFor(1);
    // 19 digits, as a real cursor may have, but above 2^63 - 1.
    const tooLarge = Buffer.from('["9999999999999999999"]').toString('base64url');
    const response = await server.graphql(
      `query($after: String) { webhookEndpoints { good: deliveries(first: 1) { edges { node { eventType } } } bad: deliveries(after: $after) { totalCount } } }`,
      { after: tooLarge },
    );
    // `deliveries` is non-null, so GraphQL nulls the endpoint and with it the whole answer; the other page did not fail.
    expect(response.errors?.map((error) => [error.extensions?.code, (error as { path?: unknown[] }).path])).toEqual([
      ['INVALID_CURSOR', ['webhookEndpoints', 0, 'bad']],
    ]);

    // In one batch, as a request loads them, the good page is answered beside the refused one.
    const { webhookDeliveryPages } = createWebhookLoaders(server.database.dataSource);
    const [good, bad] = await webhookDeliveryPages.loadMany([
      { endpointId: endpoint.id, first: 1, counted: false },
      { endpointId: endpoint.id, after: tooLarge, counted: false },
    ]);
    expect(good).not.toBeInstanceOf(Error);
    expect((good as { edges: { node: { eventType: string } }[] }).edges.map((edge) => edge.node.eventType)).toEqual(['STORE_CERTIFICATE_GENERATED']);
    expect(bad).toMatchObject({ code: 'INVALID_CURSOR' });
  });
});

describe('stopping the server', () => {
  it('waits for the attempt in flight and records it before the database closes', async () => {
    const { answer, release } = heldUntilReleased();
    const hooks = await receiver(answer);
    const database = testDatabaseKind === 'postgres' ? await createTestDatabase() : undefined;
    const first = await startTestServer({ databaseUrl: database?.url, environment: webhookEnvironment });
    try {
      const created = await first.graphql<{ createWebhookEndpoint: { endpoint: { id: string } } }>(
        'mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }',
        { input: { url: hooks.url, eventTypes: ['STORE_CERTIFICATE_GENERATED'] } },
      );
      await generateCertificate('In Flight At Stop', first.graphql);
      await hooks.waitFor(1);
      const stopping = first.stop();
      // Answered only once the dispatcher is closing, so the answer has to be waited for to be recorded.
      await eventually(
        async () => first.logs.some((line) => line.includes('waiting for webhook attempts in flight')),
        (waiting) => waiting,
      );
      release(204);
      await stopping;

      // Started again on the same data: the attempt was recorded, not left to its lease.
      const second = await startTestServer({ databaseUrl: database?.url, dataDir: first.dataDir, environment: webhookEnvironment });
      try {
        const { data } = await second.graphql<{ webhookEndpoints: { id: string; deliveries: { edges: { node: Delivery }[] } }[] }>(
          `query { webhookEndpoints { id deliveries(first: 10) { edges { node { ${deliveryFields} } } } } }`,
        );
        const [endpoint] = data!.webhookEndpoints;
        expect(endpoint!.id).toBe(created.data!.createWebhookEndpoint.endpoint.id);
        expect(endpoint!.deliveries.edges.map(({ node }) => [node.status, node.attempts, node.attemptHistory.length])).toEqual([['DELIVERED', 1, 1]]);
        expect(hooks.requests).toHaveLength(1);
      } finally {
        await second.stop();
      }
    } finally {
      await first.dispose();
      await database?.drop();
    }
  });
});

describe.runIf(testDatabaseKind === 'postgres')('several server processes on one PostgreSQL', () => {
  it('delivers each event once in total, whichever instance recorded it', async () => {
    const hooks = await receiver();
    const instances = await startServerInstances({ environment: webhookEnvironment });
    const [oneUrl, otherUrl] = instances.urls as [string, string];
    const { graphqlOn, database } = instances;
    try {
      const created = await graphqlOn(oneUrl)<{ createWebhookEndpoint: { secret: string; errors: unknown[] } }>(
        'mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret errors { code } } }',
        { input: { url: hooks.url, eventTypes: ['STORE_CERTIFICATE_GENERATED'] } },
      );
      expect(created.data!.createWebhookEndpoint.errors).toEqual([]);
      const secret = created.data!.createWebhookEndpoint.secret;

      const count = 16;
      await Promise.all(
        Array.from({ length: count }, (_, index) =>
          generateCertificate(`Instance ${index % 2 ? 'Two' : 'One'} ${index}`, graphqlOn(index % 2 ? otherUrl : oneUrl) as typeof server.graphql),
        ),
      );
      await hooks.waitFor(count);
      // Both instances keep polling meanwhile: a duplicate would arrive within a few rounds.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const ids = hooks.requests.map((request) => request.headers['webhook-id']);
      expect(ids).toHaveLength(count);
      expect(new Set(ids).size).toBe(count);
      for (const request of hooks.requests) expect(new Webhook(secret).verify(request.body, request.headers as Record<string, string>)).toBeTruthy();
      // Each delivery was attempted once, by one of the instances.
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ deliveries: number; attempts: number }>(
          'SELECT count(*)::int AS deliveries, sum(attempts)::int AS attempts FROM webhook_deliveries',
        );
        expect(rows).toEqual([{ deliveries: count, attempts: count }]);
      } finally {
        await client.end();
      }
    } finally {
      await instances.stop();
    }
  });
});

describe.runIf(testDatabaseKind === 'postgres')('webhook secrets and the master key', () => {
  it('re-seals every secret under a new MASTER_KEY at start-up, so the old key can go', async () => {
    const database = await createTestDatabase();
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bam-webhook-keys-'));
    const [first, second] = [randomBytes(32), randomBytes(32)];
    const withKeys = (current: Buffer, previous?: Buffer) => ({
      ...webhookEnvironment,
      MASTER_KEY: current.toString('base64'),
      ...(previous && { MASTER_KEY_PREVIOUS: previous.toString('base64') }),
    });
    const hooks = await receiver();
    try {
      const before = await startTestServer({ databaseUrl: database.url, dataDir, environment: withKeys(first) });
      const created = await before.graphql<{ createWebhookEndpoint: { secret: string } }>(
        'mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }',
        { input: { url: hooks.url, eventTypes: ['STORE_CERTIFICATE_GENERATED'] } },
      );
      const secret = created.data!.createWebhookEndpoint.secret;
      await before.stop();

      const rotating = await startTestServer({ databaseUrl: database.url, dataDir, environment: withKeys(second, first) });
      await rotating.stop();
      const after = await startTestServer({ databaseUrl: database.url, dataDir, environment: withKeys(second) });
      try {
        expect(await after.database.dataSource.query('SELECT master_key_id AS id FROM webhook_endpoints')).toEqual([{ id: masterKeyId(second) }]);
        await generateCertificate('After Master Key Rotation', after.graphql);
        const [request] = await hooks.waitFor(1);
        expect(() => new Webhook(secret).verify(request!.body, request!.headers as Record<string, string>)).not.toThrow();
      } finally {
        await after.stop();
      }
    } finally {
      await database.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
