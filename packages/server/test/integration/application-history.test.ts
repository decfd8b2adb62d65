import { beforeEach, describe, expect, it } from 'vitest';
import { Role } from '../../src/common/actor.js';
import { type SeededOrganization, seedContosoAndFabrikam } from '../support/seed.js';
import { useTestServer } from '../support/test-server.js';

/** `backupApplication(id)` and its bounded `certificateHistory`: what the console's details panel asks for one application. */
const server = useTestServer();
let contoso: SeededOrganization;
let fabrikam: SeededOrganization;

beforeEach(async () => {
  ({ contoso, fabrikam } = await seedContosoAndFabrikam(server.database.dataSource, {
    contoso: 2,
    contosoCertificate: { validFromDays: -1, validToDays: 100 },
  }));
});

const historyQuery = `query History($id: ID!, $first: Int) {
  backupApplication(id: $id) {
    displayName
    certificateHistory(first: $first) { thumbprint previousThumbprint source changedBy changedAt }
  }
}`;

interface HistoryData {
  backupApplication: {
    displayName: string;
    certificateHistory: { thumbprint: string; previousThumbprint: string | null; source: string; changedBy: string; changedAt: string }[];
  } | null;
}

/** `count` changes of the application, one minute apart, oldest first; their thumbprints (40 hex digits). */
async function seedHistory(backupApplicationId: string, count: number): Promise<string[]> {
  const rows: { thumbprint: string }[] = await server.database.dataSource.query(
    `INSERT INTO certificate_changes (backup_application_id, thumbprint, not_after, source, changed_by, changed_at)
     SELECT $1, upper(lpad(to_hex(n), 40, '0')), now() + interval '1 year', 'STORE', 'user:seed', now() - make_interval(mins => $2 - n)
     FROM generate_series(1, $2::int) AS n
     RETURNING thumbprint`,
    [backupApplicationId, count],
  );
  return rows.map((row) => row.thumbprint);
}

describe('backupApplication', () => {
  it('answers one application by its id, and null for an unknown or malformed id', async () => {
    const found = await server.graphql<HistoryData>(historyQuery, { id: contoso.applications[1]!.id.toUpperCase() });
    expect(found.errors).toBeUndefined();
    expect(found.data!.backupApplication).toEqual({ displayName: 'Contoso 2', certificateHistory: [] });
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      expect((await server.graphql<HistoryData>(historyQuery, { id })).data).toEqual({ backupApplication: null });
    }
  });

  it('answers null for an application of an organization outside the caller’s scope', async () => {
    const scoped = await server.tokenFor(Role.VIEWER, [contoso.organization.id]);
    const outside = await server.graphqlAs<HistoryData>(scoped, historyQuery, { id: fabrikam.applications[0]!.id });
    expect(outside.data).toEqual({ backupApplication: null });
    const inside = await server.graphqlAs<HistoryData>(scoped, historyQuery, { id: contoso.applications[0]!.id });
    expect(inside.data!.backupApplication?.displayName).toBe('Contoso 1');
  });

  it('shows who changed the certificate, from which to which and from where, newest first', async () => {
    const generate = async (commonName: string) => {
      const { data } = await server.graphql<{ generateCertificate: { certificate: { id: string; thumbprint: string } } }>(
        'mutation($input: GenerateCertificateInput!) { generateCertificate(input: $input) { certificate { id thumbprint } errors { code } } }',
        { input: { commonName, notAfter: new Date(Date.now() + 200 * 86_400_000).toISOString() } },
      );
      return data!.generateCertificate.certificate;
    };
    const first = await generate('History 1');
    const second = await generate('History 2');
    const target = contoso.applications[1]!;
    for (const [certificate, expectedThumbprint] of [
      [first, null],
      [second, first.thumbprint],
    ] as const) {
      const { data } = await server.graphql<{ updateCertificate: { errors: unknown[] } }>(
        'mutation($input: UpdateCertificateInput!) { updateCertificate(input: $input) { errors { code } } }',
        {
          input: {
            organizationId: contoso.organization.id,
            applications: [{ applicationId: target.applicationId, expectedThumbprint }],
            storeCertificateId: certificate.id,
          },
        },
      );
      expect(data!.updateCertificate.errors).toEqual([]);
    }

    const { data } = await server.graphql<HistoryData>(historyQuery, { id: target.id });
    expect(data!.backupApplication!.certificateHistory).toMatchObject([
      { thumbprint: second.thumbprint, previousThumbprint: first.thumbprint, source: 'STORE' },
      { thumbprint: first.thumbprint, previousThumbprint: null, source: 'STORE' },
    ]);
    expect(data!.backupApplication!.certificateHistory[0]!.changedBy).toMatch(/^token:/);
  });

  it('bounds the history: the newest 50 by default, `first` of them when asked, each application on its own', async () => {
    const many = await seedHistory(contoso.applications[0]!.id, 60);
    const few = await seedHistory(contoso.applications[1]!.id, 3);
    const newestFirst = [...many].reverse();

    const byDefault = await server.graphql<HistoryData>(historyQuery, { id: contoso.applications[0]!.id });
    expect(byDefault.data!.backupApplication!.certificateHistory.map((change) => change.thumbprint)).toEqual(newestFirst.slice(0, 50));
    const three = await server.graphql<HistoryData>(historyQuery, { id: contoso.applications[0]!.id, first: 3 });
    expect(three.data!.backupApplication!.certificateHistory.map((change) => change.thumbprint)).toEqual(newestFirst.slice(0, 3));

    // Several applications in one request: each gets its own newest changes.
    const { data } = await server.graphql<{
      organization: { backupApplications: { displayName: string; certificateHistory: { thumbprint: string }[] }[] };
    }>('query($id: ID!) { organization(id: $id) { backupApplications { displayName certificateHistory(first: 2) { thumbprint } } } }', {
      id: contoso.organization.id,
    });
    expect(data!.organization.backupApplications.map((application) => application.certificateHistory.map((change) => change.thumbprint))).toEqual([
      newestFirst.slice(0, 2),
      [few[2], few[1]],
    ]);
  });

  it('refuses a history size outside 1 to 100 with INVALID_PAGE_SIZE', async () => {
    for (const first of [0, 101]) {
      const { errors } = await server.graphql<HistoryData>(historyQuery, { id: contoso.applications[0]!.id, first });
      expect(errors?.map((error) => error.extensions?.code)).toEqual(['INVALID_PAGE_SIZE']);
    }
  });
});
