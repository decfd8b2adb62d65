/**
 * The read baseline: `node:http` and graphql-js `execute` on a parsed, validated document cached by
 * its text, answering the console's read with the same SQL statements as the server (count, page,
 * applications, certificates, summaries) through plain `pg`. No framework, no ORM: what the
 * project's stack costs is the difference. Started as its own process by the bench; prints its port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { certificateStatus, EXPIRING_SOON_DAYS } from '@bam/shared';
import { buildSchema, type DocumentNode, execute, type GraphQLError, parse, validate } from 'graphql';
import pg from 'pg';

const schema = buildSchema(`
  type Query { organizations(first: Int, after: String, filter: OrganizationFilter): OrganizationConnection! }
  input OrganizationFilter { nameContains: String }
  type OrganizationConnection { totalCount: Int! pageInfo: PageInfo! edges: [OrganizationEdge!]! }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type OrganizationEdge { cursor: String! node: Organization! }
  type Organization {
    id: ID! name: String! region: String! tenantId: String!
    certificateSummary: CertificateSummary! backupApplications: [BackupApplication!]!
  }
  type CertificateSummary { expiringSoon: Int! expired: Int! }
  type BackupApplication { id: ID! applicationId: ID! displayName: String! addedAt: String! certificate: Certificate }
  type Certificate {
    id: ID! thumbprint: String! issuedTo: String! issuedBy: String! notBefore: String! notAfter: String! status: String!
  }
`);

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });

interface OrganizationRow {
  id: string;
  name: string;
  region: string;
  tenantId: string;
}

/** The whole page in five statements, loaded up front: the lean shape a hand-written API would have. */
async function organizations({ first }: { first?: number | null }) {
  const size = first ?? 50;
  const [count, page] = await Promise.all([
    pool.query<{ count: string }>('SELECT COUNT(1) AS count FROM organizations'),
    pool.query<OrganizationRow>(`SELECT id, name, region, tenant_id AS "tenantId" FROM organizations ORDER BY name ASC, id ASC LIMIT $1`, [size + 1]),
  ]);
  const rows = page.rows.slice(0, size);
  const ids = rows.map((row) => row.id);
  const [applications, summaries] = await Promise.all([
    pool.query(
      `SELECT id, organization_id AS "organizationId", application_id AS "applicationId", display_name AS "displayName",
              added_at AS "addedAt", certificate_id AS "certificateId"
       FROM backup_applications WHERE organization_id = ANY($1::uuid[]) ORDER BY display_name ASC, application_id ASC`,
      [ids],
    ),
    pool.query(
      `SELECT application.organization_id AS "organizationId",
         count(*) FILTER (WHERE certificate.not_after <= now())::int AS expired,
         count(*) FILTER (WHERE certificate.not_before <= now() AND certificate.not_after > now()
                            AND certificate.not_after <= now() + make_interval(days => $2))::int AS "expiringSoon"
       FROM backup_applications application
       LEFT JOIN certificates certificate ON certificate.id = application.certificate_id
       WHERE application.organization_id = ANY($1::uuid[])
       GROUP BY application.organization_id`,
      [ids, EXPIRING_SOON_DAYS],
    ),
  ]);
  const certificateIds = [...new Set(applications.rows.map((row) => row.certificateId).filter(Boolean))];
  const certificates = await pool.query(
    `SELECT id, thumbprint_sha1 AS thumbprint, issued_to AS "issuedTo", issued_by AS "issuedBy", not_before AS "notBefore", not_after AS "notAfter"
     FROM certificates WHERE id = ANY($1::uuid[])`,
    [certificateIds],
  );
  const certificateById = new Map(
    certificates.rows.map((row) => [
      row.id,
      { ...row, notBefore: row.notBefore.toISOString(), notAfter: row.notAfter.toISOString(), status: certificateStatus(row) },
    ]),
  );
  const summaryByOrganization = new Map(summaries.rows.map((row) => [row.organizationId, row]));
  const applicationsByOrganization = new Map<string, unknown[]>(ids.map((id) => [id, []]));
  for (const row of applications.rows) {
    applicationsByOrganization
      .get(row.organizationId)!
      .push({ ...row, addedAt: row.addedAt.toISOString(), certificate: row.certificateId ? certificateById.get(row.certificateId) : null });
  }
  const edges = rows.map((row) => ({
    cursor: Buffer.from(JSON.stringify([row.name, row.id])).toString('base64url'),
    node: {
      ...row,
      certificateSummary: summaryByOrganization.get(row.id) ?? { expired: 0, expiringSoon: 0 },
      backupApplications: applicationsByOrganization.get(row.id),
    },
  }));
  return {
    totalCount: Number(count.rows[0]!.count),
    pageInfo: { hasNextPage: page.rows.length > size, endCursor: edges.at(-1)?.cursor ?? null },
    edges,
  };
}

const rootValue = { organizations };
const documents = new Map<string, DocumentNode | readonly GraphQLError[]>();

/** Parses and validates a document once; later requests with the same text reuse it. */
function documentFor(query: string): DocumentNode | readonly GraphQLError[] {
  let document = documents.get(query);
  if (!document) {
    const parsed = parse(query);
    const errors = validate(schema, parsed);
    document = errors.length ? errors : parsed;
    documents.set(query, document);
  }
  return document;
}

const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', async () => {
    const { query, variables } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables?: Record<string, unknown> };
    const document = documentFor(query);
    const result = Array.isArray(document)
      ? { errors: document }
      : await execute({ schema, document: document as DocumentNode, rootValue, variableValues: variables });
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify(result));
  });
});

server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
