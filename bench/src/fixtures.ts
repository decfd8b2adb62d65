import { createHash, randomUUID } from 'node:crypto';
import { EVENT_NOTICE_SQL } from '@bam/server/src/events/event-notice.js';
import { EVENTS_CHANNEL } from '@bam/server/src/events/event-wakeup.js';
import { rsaCertificate } from '@bam/server/test/support/pfx-fixtures.js';
import type pg from 'pg';

const day = 24 * 60 * 60 * 1000;
// A real certificate's DER, so rows weigh what real ones do; the read path never parses it.
const sampleDer = rsaCertificate({ commonName: 'bench' }).der;

export interface SeededOrganization {
  id: string;
  name: string;
  applicationIds: string[];
}

/**
 * Organizations named `<prefix>-0001.onmicrosoft.com`…, each with `applications` applications of
 * which two in three have a certificate of their own (valid, expiring soon or expired), in a few
 * set-based statements.
 */
export async function seedOrganizations(
  client: pg.Pool,
  { prefix, organizations, applications }: { prefix: string; organizations: number; applications: number },
): Promise<SeededOrganization[]> {
  const seeded: SeededOrganization[] = [];
  const rows = {
    organization: [] as string[],
    id: [] as string[],
    applicationId: [] as string[],
    name: [] as string[],
    certificate: [] as (string | null)[],
  };
  const certificates = { id: [] as string[], sha1: [] as string[], sha256: [] as string[], cn: [] as string[], notAfter: [] as string[] };
  for (let index = 1; index <= organizations; index += 1) {
    const organization = { id: randomUUID(), name: `${prefix}-${String(index).padStart(4, '0')}.onmicrosoft.com`, applicationIds: [] as string[] };
    for (let number = 1; number <= applications; number += 1) {
      const applicationId = randomUUID();
      const displayName = `Backup application ${String(number).padStart(5, '0')}`;
      let certificateId: string | null = null;
      if (number % 3 !== 0) {
        certificateId = randomUUID();
        certificates.id.push(certificateId);
        certificates.sha1.push(createHash('sha1').update(certificateId).digest('hex').toUpperCase());
        certificates.sha256.push(createHash('sha256').update(certificateId).digest('hex').toUpperCase());
        certificates.cn.push(`${displayName} of ${organization.name}`);
        certificates.notAfter.push(new Date(Date.now() + [365, 10, -5][number % 3]! * day).toISOString());
      }
      organization.applicationIds.push(applicationId);
      rows.organization.push(organization.id);
      rows.id.push(randomUUID());
      rows.applicationId.push(applicationId);
      rows.name.push(displayName);
      rows.certificate.push(certificateId);
    }
    seeded.push(organization);
  }
  await client.query(
    `INSERT INTO organizations (id, name, tenant_id, region) SELECT id, name, gen_random_uuid(), 'Worldwide' FROM unnest($1::uuid[], $2::text[]) AS o (id, name)`,
    [seeded.map((organization) => organization.id), seeded.map((organization) => organization.name)],
  );
  await client.query(
    `INSERT INTO certificates (id, thumbprint_sha1, thumbprint_sha256, subject, issuer, issued_to, issued_by, serial_number,
                               not_before, not_after, key_algorithm, key_size, der)
     SELECT id, sha1, sha256, 'CN=' || cn, 'CN=Bench CA', cn, 'Bench CA', sha1, now() - interval '30 days', not_after, 'RSA', 2048, $6
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS c (id, sha1, sha256, cn, not_after)`,
    [certificates.id, certificates.sha1, certificates.sha256, certificates.cn, certificates.notAfter, sampleDer],
  );
  await insertApplications(client, rows);
  return seeded;
}

/** `count` applications without certificates in an organization; returns their application (client) ids. */
export async function seedApplications(client: pg.Pool, organizationId: string, count: number): Promise<string[]> {
  const applicationIds = Array.from({ length: count }, () => randomUUID());
  await insertApplications(client, {
    organization: applicationIds.map(() => organizationId),
    id: applicationIds.map(() => randomUUID()),
    applicationId: applicationIds,
    name: applicationIds.map((_, index) => `Bulk application ${String(index).padStart(5, '0')}`),
    certificate: applicationIds.map(() => null),
  });
  return applicationIds;
}

async function insertApplications(
  client: pg.Pool,
  rows: { organization: string[]; id: string[]; applicationId: string[]; name: string[]; certificate: (string | null)[] },
): Promise<void> {
  await client.query(
    `INSERT INTO backup_applications (organization_id, id, application_id, display_name, certificate_id)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::uuid[])`,
    [rows.organization, rows.id, rows.applicationId, rows.name, rows.certificate],
  );
}

/**
 * Records an event inside the caller's transaction as the product's outbox does (`event-outbox.service.ts`):
 * the next position, also as the CloudEvents `sequence`, and the notice the servers listen for.
 */
export async function recordEvent(
  client: pg.PoolClient,
  event: { type: string; organizationId: string | null; applicationIds: readonly string[]; cloudEvent: Record<string, unknown> },
): Promise<void> {
  await client.query(
    `WITH recorded AS (
       INSERT INTO certificate_events (position, id, time, type, organization_id, application_ids, actor, cloud_event)
       SELECT next.position, gen_random_uuid(), now(), $1, $2, $3::uuid[], 'bench', $4::jsonb || jsonb_build_object('sequence', next.position::text)
       FROM (SELECT nextval('certificate_events_position_seq') AS position) AS next
       RETURNING *
     )
     SELECT pg_notify($5, ${EVENT_NOTICE_SQL}) FROM recorded`,
    [event.type, event.organizationId, event.applicationIds, JSON.stringify(event.cloudEvent), EVENTS_CHANNEL],
  );
}
