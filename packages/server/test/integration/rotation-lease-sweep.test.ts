import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { addedKeyDisplayName } from '../../src/entra/entra-directory.js';
import { entraThumbprints, organizationReadyToRotate, startEmulatorForServer, tenant } from '../support/entra-fixture.js';
import { type ServerInstances, startServerInstances } from '../support/server-instances.js';
import type { TestDatabase } from '../support/test-database.js';
import { testDatabaseKind } from '../support/test-server.js';
import { eventually } from '../support/webhook-receiver.js';

/**
 * The running server's periodic look for rotations whose lease ran out (an instance crashed mid-rotation): a spawned
 * server, as operators run it, rolls such a row back with no restart, every ENTRA_ROTATION_SWEEP_SECONDS.
 */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A client of the instance's database: the PostgreSQL test database, or the embedded one on its Unix socket (logged at start). */
async function databaseClient(instances: ServerInstances<TestDatabase | null>): Promise<pg.Client> {
  let client: pg.Client;
  if (instances.database) client = new pg.Client({ connectionString: instances.database.url });
  else {
    const started = instances.processes[0]!.lines.find((line) => line.includes('"embedded PostgreSQL started"'))!;
    const { socketPath } = JSON.parse(started) as { socketPath: string };
    const port = Number(path.basename(socketPath).replace('.s.PGSQL.', ''));
    client = new pg.Client({ host: path.dirname(socketPath), port, user: 'postgres', database: 'postgres' });
  }
  await client.connect();
  return client;
}

describe('the lease sweep of a running server', () => {
  it('rolls back a rotation whose lease ran out, without a restart', async () => {
    const entra = await startEmulatorForServer();
    cleanups.push(() => entra.stop());
    const instances = await startServerInstances({
      count: 1,
      environment: { ...entra.environment, ENTRA_ROTATION_SWEEP_SECONDS: '1' },
      embedded: testDatabaseKind === 'embedded',
    });
    cleanups.push(() => instances.stop());
    const [server] = instances.processes as [ServerInstances['processes'][number]];
    const { organizationId, applicationId, next } = await organizationReadyToRotate(instances.graphqlOn(instances.urls[0]!), entra.emulator, 'Sweep');

    // Another instance registered the new key (named as the rotation names its keys), recorded that it was its own, and
    // crashed before recording its key id: its lease ran out a second ago.
    entra.emulator.admin.registerKeyCredential(tenant.id, applicationId, { key: next.derBase64, displayName: addedKeyDisplayName(next.thumbprint) });
    expect(entraThumbprints(entra.emulator, applicationId)).toEqual([next.thumbprint]);
    const client = await databaseClient(instances);
    cleanups.push(() => client.end());
    await client.query(
      `INSERT INTO key_rotations (batch_id, organization_id, backup_application_id, application_id, old_certificate_id, new_certificate_id,
         old_thumbprint, new_thumbprint, registered_by_us, state, started_by, lease_holder, lease_expires_at)
       SELECT gen_random_uuid(), a.organization_id, a.id, a.application_id, a.certificate_id, $1, c.thumbprint_sha1, $2, true, 'REGISTERED',
              'crashed instance', gen_random_uuid(), now() - interval '1 second'
       FROM backup_applications a LEFT JOIN certificates c ON c.id = a.certificate_id WHERE a.organization_id = $3 AND a.application_id = $4`,
      [next.id, next.thumbprint, organizationId, applicationId],
    );

    const rotation = async () =>
      (await client.query<{ state: string }>(`SELECT state FROM key_rotations WHERE started_by = 'crashed instance'`)).rows.map((row) => row.state);
    expect(await eventually(rotation, (states) => states[0] !== 'REGISTERED')).toEqual(['ROLLED_BACK']);
    expect(entraThumbprints(entra.emulator, applicationId)).toEqual([]);
    expect(server.lines.join('\n')).toContain('finishing certificate rotations left unfinished');
    expect(server.child.exitCode).toBeNull();
  });
});
