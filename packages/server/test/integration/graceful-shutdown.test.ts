import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { entraThumbprints, organizationReadyToRotate, startEmulatorForServer } from '../support/entra-fixture.js';
import { type ServerInstances, startServerInstances } from '../support/server-instances.js';
import type { TestDatabase } from '../support/test-database.js';
import { testDatabaseKind } from '../support/test-server.js';
import { openSubscription, openUnresponsivePeer } from '../support/web-socket.js';
import { heldUntilReleased, startWebhookReceiver } from '../support/webhook-receiver.js';

/**
 * SIGTERM while a certificate update waits for Entra to accept the new key (the proof step, which may
 * take up to ENTRA_PROOF_TIMEOUT_MS): the server refuses new work, lets the update finish, then stops —
 * within SHUTDOWN_TIMEOUT_SECONDS.
 */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const until = async (done: () => boolean) => {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 50));
};

const updateCertificate = `mutation UpdateCertificate($input: UpdateCertificateInput!) {
  updateCertificate(input: $input) { errors { code ids } } }`;

/** One spawned server on the Entra emulator, with an organization, one application and a certificate to rotate to. */
async function serverWithRotationReady(extraEnvironment: Record<string, string>) {
  const entra = await startEmulatorForServer();
  cleanups.push(() => entra.stop());
  // The proof step waits as long as Entra needs (the test says when the key has replicated).
  const instances = await startServerInstances({
    count: 1,
    environment: { ...entra.environment, ENTRA_PROOF_TIMEOUT_MS: '600000', ...extraEnvironment },
    embedded: testDatabaseKind === 'embedded',
  });
  cleanups.push(() => instances.stop());
  const graphql = instances.graphqlOn(instances.urls[0]!);
  const { organizationId, applicationId, next } = await organizationReadyToRotate(graphql, entra.emulator, 'Shutdown');
  entra.emulator.admin.configure({ keyReplicationDelayMs: 600_000 });
  return { entra, instances, graphql, organizationId, applicationId, next };
}

/** Starts the update and returns its answer (a promise, wrapped: awaiting would wait for it) once the new key is registered in Entra (the proof step is waiting). */
async function updateWaitingForProof({ entra, graphql, organizationId, applicationId, next }: Awaited<ReturnType<typeof serverWithRotationReady>>) {
  const answer = graphql<{ updateCertificate: { errors: unknown[] } }>(updateCertificate, {
    input: { organizationId, applications: [{ applicationId }], storeCertificateId: next.id },
  });
  answer.catch(() => undefined);
  await until(() => entraThumbprints(entra.emulator, applicationId).includes(next.thumbprint));
  return { answer };
}

function stoppingLogged(instances: ServerInstances<TestDatabase | null>) {
  return until(() => instances.processes[0]!.lines.some((line) => line.includes('"shutting down"')));
}

describe('graceful shutdown', () => {
  it('lets an update in flight finish on SIGTERM while refusing new requests with SERVER_SHUTTING_DOWN, then exits 0', async () => {
    const ready = await serverWithRotationReady({});
    const { entra, instances, applicationId, next } = ready;
    const [server] = instances.processes as [ServerInstances['processes'][number]];
    const url = instances.urls[0]!;
    // A console's feed, open before the stop.
    const feed = openSubscription(`${url}/graphql`, { cookie: instances.cookie }, 'subscription { certificateEvents { id } }');
    await feed.subscribed;
    const { answer } = await updateWaitingForProof(ready);

    server.child.kill('SIGTERM');
    await stoppingLogged(instances);

    // Load balancers see the instance leave; new requests and sockets get a coded refusal.
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'draining' });
    const refused = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: instances.cookie },
      body: JSON.stringify({ query: '{ me { username } }' }),
    });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors.map((error) => error.extensions.code)).toEqual([
      'SERVER_SHUTTING_DOWN',
    ]);
    const socketRefusal = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(`${url.replace('http:', 'ws:')}/graphql`, 'graphql-transport-ws');
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.on('open', () => reject(new Error('a new socket was accepted while draining')));
      socket.on('error', () => undefined);
    });
    expect(socketRefusal).toBe(503);
    // Subscriptions already open go on while the work finishes.
    expect(await Promise.race([feed.closed.then(() => 'closed'), Promise.resolve('open')])).toBe('open');

    // Entra replicates the key: the proof succeeds and the update completes with a real answer.
    entra.emulator.admin.replicateKeysNow();
    const { data, errors } = await answer;
    expect(errors).toBeUndefined();
    expect(data!.updateCertificate.errors).toEqual([]);
    expect(await server.exited).toBe(0);
    expect(server.lines.join('\n')).not.toContain('Driver not Connected');
    // Closed by the server before it exited (a dead process gives 1006): graphql-ws clients, the console's too, reconnect.
    expect(await feed.closed).toEqual({ code: 1001, reason: 'Going away' });

    // The rotation finished in the database too (the embedded one flushed before the exit).
    const rotations = await instances.queryStopped<{ state: string }>(`SELECT state FROM key_rotations`);
    expect(rotations.map((row) => row.state)).toEqual(['OLD_KEY_REMOVED']);
    const applications = await instances.queryStopped<{ thumbprint: string }>(
      `SELECT c.thumbprint_sha1 AS thumbprint FROM backup_applications a JOIN certificates c ON c.id = a.certificate_id WHERE a.application_id = $1`,
      [applicationId],
    );
    expect(applications.map((row) => row.thumbprint)).toEqual([next.thumbprint]);
  });

  it('cuts what is still running after SHUTDOWN_TIMEOUT_SECONDS, naming the operations without their variables', async () => {
    const ready = await serverWithRotationReady({ SHUTDOWN_TIMEOUT_SECONDS: '1' });
    const { instances, next } = ready;
    const [server] = instances.processes as [ServerInstances['processes'][number]];
    const { answer } = await updateWaitingForProof(ready);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(1);
    await answer.catch(() => undefined);
    const logged = server.lines.map((line) => JSON.parse(line) as { level: number; msg: string; operations?: string[] });
    const cut = logged.find((line) => line.msg.includes('cut'));
    expect(cut?.operations).toEqual(['mutation UpdateCertificate']);
    expect(server.lines.join('\n')).not.toContain(next.id);
    // One error line says what was cut; the cut work does not go on failing against the closed database.
    expect(logged.filter((line) => line.level >= 50)).toEqual([cut]);
    expect(logged.at(-1)?.msg).toBe('server stopped');
  });

  it('cuts background work that outlasts the timeout after in-flight operations were cut, and still closes the database', async () => {
    // A webhook receiver that holds its request: the attempt stays in flight up to WEBHOOK_TIMEOUT_MS, far past the shutdown timeout.
    const hanging = heldUntilReleased();
    const hooks = await startWebhookReceiver(hanging.answer);
    cleanups.push(() => hooks.close());
    cleanups.push(async () => hanging.release(204));
    const ready = await serverWithRotationReady({ SHUTDOWN_TIMEOUT_SECONDS: '1', WEBHOOK_TIMEOUT_MS: '120000', WEBHOOK_POLL_INTERVAL_MS: '200' });
    const { instances, graphql } = ready;
    const [server] = instances.processes as [ServerInstances['processes'][number]];
    const created = await graphql<{ createWebhookEndpoint: { errors: unknown[] } }>(
      'mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { errors { code } } }',
      { input: { url: hooks.url, eventTypes: ['STORE_CERTIFICATE_GENERATED'] } },
    );
    expect(created.data!.createWebhookEndpoint.errors).toEqual([]);
    const generated = await graphql<{ generateCertificate: { errors: unknown[] } }>(
      'mutation($input: GenerateCertificateInput!) { generateCertificate(input: $input) { errors { code } } }',
      { input: { commonName: 'Webhook At Stop', notAfter: new Date(Date.now() + 90 * 86_400_000).toISOString() } },
    );
    expect(generated.data!.generateCertificate.errors).toEqual([]);
    await hooks.waitFor(1);
    const { answer } = await updateWaitingForProof(ready);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(1);
    await answer.catch(() => undefined);
    const logged = server.lines.map((line) => JSON.parse(line) as { level: number; msg: string; operations?: string[]; background?: string[] });
    // Not held until the process's last-resort exit: the database closed within the shutdown timeout's stop.
    expect(server.lines.join('\n')).not.toContain('closing did not finish in time');
    const cut = logged.filter((line) => line.level >= 50);
    expect(cut).toHaveLength(1);
    expect(cut[0]!.operations).toEqual(['mutation UpdateCertificate']);
    expect(cut[0]!.background).toContain('webhooks');
    expect(logged.at(-1)?.msg).toBe('server stopped');
  });

  it('stops without waiting for a socket whose peer never answers the close frame', async () => {
    const instances = await startServerInstances({
      count: 1,
      environment: { SHUTDOWN_TIMEOUT_SECONDS: '1' },
      embedded: testDatabaseKind === 'embedded',
    });
    cleanups.push(() => instances.stop());
    const [server] = instances.processes as [ServerInstances['processes'][number]];
    const peer = openUnresponsivePeer(`${instances.urls[0]!}/graphql`, instances.cookie);
    cleanups.push(async () => peer.destroy());
    await peer.acknowledged;

    server.child.kill('SIGTERM');
    expect(await server.exited, server.lines.join('\n')).toBe(0);
    expect(await peer.closeFrame).toBe(1001);
    await peer.ended;
    expect(server.lines.join('\n')).not.toContain('closing did not finish in time');
    expect(server.lines.at(-1)).toContain('"server stopped"');
  });
});
