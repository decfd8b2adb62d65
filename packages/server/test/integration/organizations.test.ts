import { EXPIRING_SOON_DAYS } from '@bam/shared';
import { describe, expect, it } from 'vitest';
import { seedOrganization } from '../support/seed.js';
import { type GraphQLResponse, useTestServer } from '../support/test-server.js';

const server = useTestServer();
const listQuery = /* GraphQL */ `
  query List($first: Int, $after: String, $filter: OrganizationFilter) {
    organizations(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          id
          name
        }
      }
    }
  }
`;

interface ListData {
  organizations: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { cursor: string; node: { id: string; name: string } }[];
  };
}

describe('organizations', () => {
  it('pages through every organization in name order, without gaps or repeats', async () => {
    const names = Array.from({ length: 7 }, (_, index) => `org-${String(6 - index).padStart(2, '0')}.onmicrosoft.com`);
    for (const name of names) await seedOrganization(server.database.dataSource, name, []);

    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const response: GraphQLResponse<ListData> = await server.graphql<ListData>(listQuery, { first: 3, after });
      expect(response.errors).toBeUndefined();
      const connection: ListData['organizations'] = response.data!.organizations;
      expect(connection.totalCount).toBe(7);
      seen.push(...connection.edges.map((edge) => edge.node.name));
      pages += 1;
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([...names].sort());
  });

  it('filters by name, case-insensitively, with LIKE wildcards matched literally', async () => {
    for (const name of ['contoso.onmicrosoft.com', 'fabrikam.onmicrosoft.com', 'con_toso100%.onmicrosoft.com']) {
      await seedOrganization(server.database.dataSource, name, []);
    }
    const byText = async (nameContains: string) => {
      const { data } = await server.graphql<ListData>(listQuery, { filter: { nameContains } });
      return { names: data!.organizations.edges.map((edge) => edge.node.name), total: data!.organizations.totalCount };
    };
    expect(await byText('CONTOSO')).toEqual({ names: ['contoso.onmicrosoft.com'], total: 1 });
    expect(await byText('_')).toEqual({ names: ['con_toso100%.onmicrosoft.com'], total: 1 });
    expect(await byText('0%')).toEqual({ names: ['con_toso100%.onmicrosoft.com'], total: 1 });
    expect((await byText('onmicrosoft')).total).toBe(3);
    expect(await byText('nothing-like-this')).toEqual({ names: [], total: 0 });
  });

  it('rejects a forged cursor and an out-of-range page size with coded errors', async () => {
    await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', []);
    const forged = await server.graphql(listQuery, { after: 'not-a-cursor' });
    expect(forged.errors?.[0]?.extensions?.code).toBe('INVALID_CURSOR');
    const wrongShape = await server.graphql(listQuery, { after: Buffer.from('["a","not-a-uuid"]').toString('base64url') });
    expect(wrongShape.errors?.[0]?.extensions?.code).toBe('INVALID_CURSOR');
    for (const first of [0, -1, 101]) {
      const response = await server.graphql(listQuery, { first });
      expect(response.errors?.[0]?.extensions?.code).toBe('INVALID_PAGE_SIZE');
    }
  });

  it('returns one organization with its applications and their certificate details', async () => {
    const { organization } = await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', [
      { displayName: 'B valid', certificate: { validFromDays: -1, validToDays: 200 } },
      { displayName: 'A expiring', certificate: { validFromDays: -300, validToDays: 10 } },
      { displayName: 'C expired', certificate: { validFromDays: -300, validToDays: -1 } },
      { displayName: 'D not configured' },
    ]);
    const { data, errors } = await server.graphql<{
      organization: {
        name: string;
        tenantId: string;
        backupApplications: {
          displayName: string;
          applicationId: string;
          addedAt: string;
          certificate: null | {
            thumbprint: string;
            thumbprintSha256: string;
            subject: string;
            issuer: string;
            serialNumber: string;
            notBefore: string;
            notAfter: string;
            keyAlgorithm: string;
            keySize: number;
            status: string;
          };
        }[];
      };
    }>(
      `query One($id: ID!) { organization(id: $id) { name tenantId backupApplications {
        displayName applicationId addedAt
        certificate { thumbprint thumbprintSha256 subject issuer serialNumber notBefore notAfter keyAlgorithm keySize status }
      } } }`,
      { id: organization.id },
    );
    expect(errors).toBeUndefined();
    const applications = data!.organization.backupApplications;
    expect(applications.map((application) => application.displayName)).toEqual(['A expiring', 'B valid', 'C expired', 'D not configured']);
    expect(applications.map((application) => application.certificate?.status ?? null)).toEqual(['EXPIRING_SOON', 'VALID', 'EXPIRED', null]);
    const certificate = applications[1]!.certificate!;
    expect(certificate.thumbprint).toMatch(/^[0-9A-F]{40}$/);
    expect(certificate.thumbprintSha256).toMatch(/^[0-9A-F]{64}$/);
    expect(certificate.subject).toBe('CN=B valid, O=Seed Test');
    expect(certificate.issuer).toBe('CN=Seed Test CA');
    expect(certificate.serialNumber).toMatch(/^01[0-9A-F]{30}$/);
    expect(certificate).toMatchObject({ keyAlgorithm: 'RSA', keySize: 2048 });
    expect(new Date(certificate.notAfter).getTime()).toBeGreaterThan(new Date(certificate.notBefore).getTime());
  });

  it('counts the applications of each organization by certificate state, as each certificate reports it', async () => {
    await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', [
      { displayName: 'valid', certificate: { validFromDays: -1, validToDays: 200 } },
      { displayName: 'expiring', certificate: { validFromDays: -300, validToDays: 29 } },
      { displayName: 'expiring too', certificate: { validFromDays: -300, validToDays: 2 } },
      { displayName: 'expired', certificate: { validFromDays: -300, validToDays: -1 } },
      { displayName: 'not yet valid', certificate: { validFromDays: 2, validToDays: 200 } },
      { displayName: 'not configured' },
    ]);
    await seedOrganization(server.database.dataSource, 'empty.onmicrosoft.com', []);
    const { data } = await server.graphql<{
      organizations: {
        edges: {
          node: { name: string; certificateSummary: Record<string, number>; backupApplications: { certificate: { status: string } | null }[] };
        }[];
      };
    }>(`{ organizations { edges { node { name
      certificateSummary { applications configured notConfigured valid expiringSoon expired notYetValid }
      backupApplications { certificate { status } } } } } }`);
    const [contoso, empty] = data!.organizations.edges.map((edge) => edge.node);
    expect(contoso!.certificateSummary).toEqual({
      applications: 6,
      configured: 5,
      notConfigured: 1,
      valid: 1,
      expiringSoon: 2,
      expired: 1,
      notYetValid: 1,
    });
    const statuses = contoso!.backupApplications.map((application) => application.certificate?.status);
    expect(statuses.filter((status) => status === 'EXPIRING_SOON')).toHaveLength(contoso!.certificateSummary.expiringSoon!);
    expect(empty!.certificateSummary).toEqual({
      applications: 0,
      configured: 0,
      notConfigured: 0,
      valid: 0,
      expiringSoon: 0,
      expired: 0,
      notYetValid: 0,
    });
  });

  it('counts certificates on the boundaries of each state alike, whether or not the request lists the applications', async () => {
    const { dataSource } = server.database;
    const validity: Record<string, [notBefore: string, notAfter: string]> = {
      'expired at the seeding': ["now() - interval '1 day'", 'now()'],
      'not yet valid': ["now() + interval '1 hour'", "now() + interval '100 days'"],
      'valid from the seeding': ['now()', "now() + interval '100 days'"],
      'expiring at the limit': ["now() - interval '1 day'", `now() + interval '${EXPIRING_SOON_DAYS} days'`],
      'valid past the limit': ["now() - interval '1 day'", `now() + interval '${EXPIRING_SOON_DAYS} days 1 hour'`],
    };
    const { applications } = await seedOrganization(dataSource, 'boundaries.onmicrosoft.com', [
      ...Object.keys(validity).map((displayName) => ({ displayName, certificate: { validFromDays: -1, validToDays: 90 } })),
      { displayName: 'not configured' },
    ]);
    for (const application of applications) {
      const range = validity[application.displayName];
      if (range)
        await dataSource.query(`UPDATE certificates SET not_before = ${range[0]}, not_after = ${range[1]} WHERE id = $1`, [
          application.certificateId,
        ]);
    }
    const summaryFields = 'certificateSummary { applications configured notConfigured valid expiringSoon expired notYetValid }';
    type Node = {
      certificateSummary: Record<string, number>;
      backupApplications?: { displayName: string; certificate: { status: string } | null }[];
    };
    const summaryOf = async (fields: string) => {
      const { data, errors } = await server.graphql<{ organizations: { edges: { node: Node }[] } }>(
        `{ organizations { edges { node { ${fields} } } } }`,
      );
      expect(errors).toBeUndefined();
      return data!.organizations.edges[0]!.node;
    };
    const counted = await summaryOf(summaryFields);
    const listed = await summaryOf(`${summaryFields} backupApplications { displayName certificate { thumbprint status } }`);
    const expected = { applications: 6, configured: 5, notConfigured: 1, valid: 2, expiringSoon: 1, expired: 1, notYetValid: 1 };
    expect(counted.certificateSummary).toEqual(expected);
    expect(listed.certificateSummary).toEqual(expected);
    expect(
      Object.fromEntries(listed.backupApplications!.map((application) => [application.displayName, application.certificate?.status ?? null])),
    ).toEqual({
      'expired at the seeding': 'EXPIRED',
      'not yet valid': 'NOT_YET_VALID',
      'valid from the seeding': 'VALID',
      'expiring at the limit': 'EXPIRING_SOON',
      'valid past the limit': 'VALID',
      'not configured': null,
    });
  });

  it('answers null for an unknown or malformed organization id', async () => {
    for (const id of ['3f2504e0-4f89-41d3-9a0c-0305e82c3301', 'not-a-uuid']) {
      const { data, errors } = await server.graphql('query($id: ID!) { organization(id: $id) { id } }', { id });
      expect(errors).toBeUndefined();
      expect(data).toEqual({ organization: null });
    }
  });
});
