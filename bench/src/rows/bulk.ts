import type pg from 'pg';
import { recordEvent, seedApplications, seedOrganizations } from '../fixtures.js';
import { graphql } from '../load.js';
import { alternate, median, timed, warmUp } from '../measure.js';
import { generateCertificate, removeApplications, updateCertificate } from '../queries.js';
import { type BenchContext, type BenchRow, ratioRow } from '../row.js';

interface MutationResult {
  errors: { code: string }[];
}

function check(result: MutationResult): void {
  if (result.errors.length > 0) throw new Error(`mutation failed: ${JSON.stringify(result.errors)}`);
}

/**
 * Bulk changes through the API against the least a database must do for them: one transaction that
 * locks the rows and changes them with array parameters.
 */
export async function bulkRows({ sizes, pool, server }: BenchContext): Promise<BenchRow[]> {
  const graphqlUrl = `${server.url}/graphql`;
  const count = sizes.bulkApplications;
  const [removal, rotation] = await seedOrganizations(pool, { prefix: 'zz-bulk', organizations: 2, applications: 0 });

  const removeThroughApi = async () => {
    const applicationIds = await seedApplications(pool, removal!.id, count);
    return timed(async () => {
      const data = await graphql<{ removeApplications: MutationResult }>(graphqlUrl, removeApplications, {
        input: { organizationId: removal!.id, applicationIds },
      });
      check(data.removeApplications);
    });
  };
  const removeInBaseline = async () => {
    const applicationIds = await seedApplications(pool, removal!.id, count);
    return timed(() =>
      transaction(pool, async (client) => {
        const { rows } = await client.query<{ id: string }>(
          'SELECT id FROM backup_applications WHERE organization_id = $1 AND application_id = ANY($2::uuid[]) FOR UPDATE',
          [removal!.id, applicationIds],
        );
        await client.query('DELETE FROM backup_applications WHERE id = ANY($1::uuid[])', [rows.map((row) => row.id)]);
      }),
    );
  };
  // What the product's contract also makes a removal write, done the plainest way: the audit entry
  // listing the applications, and the event.
  const removeInBaselineWithRecords = async () => {
    const applicationIds = await seedApplications(pool, removal!.id, count);
    return timed(() =>
      transaction(pool, async (client) => {
        const { rows } = await client.query<{ id: string; applicationId: string; displayName: string }>(
          `SELECT id, application_id AS "applicationId", display_name AS "displayName"
             FROM backup_applications WHERE organization_id = $1 AND application_id = ANY($2::uuid[]) FOR UPDATE`,
          [removal!.id, applicationIds],
        );
        await client.query('DELETE FROM backup_applications WHERE id = ANY($1::uuid[])', [rows.map((row) => row.id)]);
        await client.query(
          `INSERT INTO audit_log (action, actor_kind, actor_id, actor_name, organization_id, details)
             VALUES ('APPLICATIONS_REMOVED', 'USER', 'bench', 'bench', $1, $2::jsonb)`,
          [removal!.id, JSON.stringify({ applications: rows.map(({ applicationId, displayName }) => ({ applicationId, displayName })) })],
        );
        await recordEvent(client, {
          type: 'APPLICATIONS_REMOVED',
          organizationId: removal!.id,
          applicationIds,
          cloudEvent: { specversion: '1.0', type: 'com.backup-applications-manager.applications.removed', data: {} },
        });
      }),
    );
  };
  // Warm-up, as the read row does: the first requests of a server just started (JIT, plan and
  // statement caches, its start-up jobs) took 2–10 times as long. One warm-up round left the next
  // few still 20–50 % slower, and with five rounds those made the median: runs gave 1.6–2.7×.
  // Both baselines in each round, so the two rows share the project's samples and its table's growth.
  await warmUp(sizes.bulkWarmUps, removeThroughApi, removeInBaseline, removeInBaselineWithRecords);
  const withRecords: number[] = [];
  const remove = await alternate(sizes.bulkRounds, removeThroughApi, async () => {
    withRecords.push(await removeInBaselineWithRecords());
    return removeInBaseline();
  });
  const removeWithRecords = { project: remove.project, baseline: median(withRecords) };

  // Two usable store certificates; each sample moves every application to the other one.
  const certificateIds: string[] = [];
  for (const commonName of ['bench-rotation-a', 'bench-rotation-b']) {
    const data = await graphql<{ generateCertificate: MutationResult & { certificate: { id: string } } }>(graphqlUrl, generateCertificate, {
      input: { commonName, notAfter: new Date(Date.now() + 365 * 24 * 60 * 60 * 1000).toISOString() },
    });
    check(data.generateCertificate);
    certificateIds.push(data.generateCertificate.certificate.id);
  }
  const applicationIds = await seedApplications(pool, rotation!.id, count);
  let turn = 0;
  const nextCertificate = () => certificateIds[turn++ % 2]!;

  const updateThroughApi = () => {
    const storeCertificateId = nextCertificate();
    return timed(async () => {
      const data = await graphql<{ updateCertificate: MutationResult }>(graphqlUrl, updateCertificate, {
        input: { organizationId: rotation!.id, storeCertificateId, applications: applicationIds.map((applicationId) => ({ applicationId })) },
      });
      check(data.updateCertificate);
    });
  };
  const updateInBaseline = () => {
    const certificateId = nextCertificate();
    return timed(() =>
      transaction(pool, async (client) => {
        const { rows } = await client.query<{ id: string; previous: string | null }>(
          `SELECT application.id, certificate.thumbprint_sha1 AS previous
             FROM backup_applications application LEFT JOIN certificates certificate ON certificate.id = application.certificate_id
             WHERE application.organization_id = $1 AND application.application_id = ANY($2::uuid[])
             FOR UPDATE OF application`,
          [rotation!.id, applicationIds],
        );
        const { rows: certificate } = await client.query<{ thumbprint: string; notAfter: Date }>(
          'SELECT thumbprint_sha1 AS thumbprint, not_after AS "notAfter" FROM certificates WHERE id = $1 FOR SHARE',
          [certificateId],
        );
        const ids = rows.map((row) => row.id);
        await client.query('UPDATE backup_applications SET certificate_id = $1 WHERE id = ANY($2::uuid[])', [certificateId, ids]);
        await client.query(
          `INSERT INTO certificate_changes (backup_application_id, certificate_id, thumbprint, not_after, previous_thumbprint, source, changed_by)
             SELECT change.application_id, $3, $4, $5, change.previous, 'STORE', 'bench'
             FROM unnest($1::uuid[], $2::text[]) AS change (application_id, previous)`,
          [ids, rows.map((row) => row.previous), certificateId, certificate[0]!.thumbprint, certificate[0]!.notAfter],
        );
      }),
    );
  };
  await warmUp(sizes.bulkWarmUps, updateThroughApi, updateInBaseline);
  const update = await alternate(sizes.bulkRounds, updateThroughApi, updateInBaseline);

  const note = `${count} applications`;
  return [
    ratioRow('removeApplications', 'ms', remove, { higherIsBetter: false, limit: 1.25 }, `${note}; baseline: lock + DELETE = ANY($1)`),
    // No target of its own: the figure for the owner's choice between this baseline and ~1.6× (README, "Where each target stands").
    ratioRow(
      'removeApplications, baseline with its records',
      'ms',
      removeWithRecords,
      undefined,
      `${note}; baseline: lock + DELETE = ANY($1) + audit entry listing them + event`,
    ),
    ratioRow('updateCertificate (store)', 'ms', update, { higherIsBetter: false, limit: 1.5 }, `${note}; baseline: lock + UPDATE + history INSERT`),
  ];
}

async function transaction(pool: BenchContext['pool'], work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await work(client);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}
