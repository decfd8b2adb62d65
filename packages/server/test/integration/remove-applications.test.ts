import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { BackupApplication } from '../../src/applications/backup-application.entity.js';
import { type SeededOrganization, seedContosoAndFabrikam } from '../support/seed.js';
import { useTestServer } from '../support/test-server.js';

const server = useTestServer();
let contoso: SeededOrganization;
let fabrikam: SeededOrganization;

beforeEach(async () => {
  ({ contoso, fabrikam } = await seedContosoAndFabrikam(server.database.dataSource, {
    contoso: 4,
    contosoCertificate: { validFromDays: -1, validToDays: 100 },
  }));
});

const removeMutation = /* GraphQL */ `
  mutation Remove($input: RemoveApplicationsInput!) {
    removeApplications(input: $input) {
      removedApplications {
        applicationId
        displayName
        certificate {
          thumbprint
        }
      }
      errors {
        code
        message
        ids
      }
    }
  }
`;

interface RemoveData {
  removeApplications: {
    removedApplications: { applicationId: string; displayName: string; certificate: { thumbprint: string } | null }[];
    errors: { code: string; message: string; ids: string[] }[];
  };
}

function remove(organizationId: string, applicationIds: string[]) {
  return server.graphql<RemoveData>(removeMutation, { input: { organizationId, applicationIds } });
}

/** Client ids of every application in the database, read straight from the table. */
async function storedApplicationIds(): Promise<string[]> {
  const rows = await server.database.dataSource.getRepository(BackupApplication).find({ order: { displayName: 'ASC' } });
  return rows.map((row) => row.displayName);
}

const everyApplication = ['Contoso 1', 'Contoso 2', 'Contoso 3', 'Contoso 4', 'Fabrikam 1'];

describe('removeApplications', () => {
  it('removes one application, durably and visibly to the next query', async () => {
    const target = contoso.applications[0]!;
    const { data, errors } = await remove(contoso.organization.id, [target.applicationId]);
    expect(errors).toBeUndefined();
    expect(data!.removeApplications.errors).toEqual([]);
    expect(data!.removeApplications.removedApplications).toEqual([
      { applicationId: target.applicationId, displayName: 'Contoso 1', certificate: { thumbprint: expect.stringMatching(/^[0-9A-F]{40}$/) } },
    ]);
    expect(await storedApplicationIds()).toEqual(['Contoso 2', 'Contoso 3', 'Contoso 4', 'Fabrikam 1']);

    const next = await server.graphql<{ organization: { backupApplications: { displayName: string }[] } }>(
      'query($id: ID!) { organization(id: $id) { backupApplications { displayName } } }',
      { id: contoso.organization.id },
    );
    expect(next.data!.organization.backupApplications.map((application) => application.displayName)).toEqual(['Contoso 2', 'Contoso 3', 'Contoso 4']);
  });

  it('removes many applications at once, reporting them in the order asked, ids matched case-insensitively', async () => {
    const [first, , third, fourth] = contoso.applications;
    const { data } = await remove(contoso.organization.id, [fourth!.applicationId.toUpperCase(), first!.applicationId, third!.applicationId]);
    expect(data!.removeApplications.errors).toEqual([]);
    expect(data!.removeApplications.removedApplications.map((application) => application.displayName)).toEqual([
      'Contoso 4',
      'Contoso 1',
      'Contoso 3',
    ]);
    expect(await storedApplicationIds()).toEqual(['Contoso 2', 'Fabrikam 1']);
  });

  const badInputs: { name: string; input: () => [string, string[]]; code: string; ids: () => string[] }[] = [
    { name: 'an empty list', input: () => [contoso.organization.id, []], code: 'APPLICATION_SELECTION_EMPTY', ids: () => [] },
    {
      name: 'the same application twice',
      input: () => {
        const id = contoso.applications[1]!.applicationId;
        return [contoso.organization.id, [contoso.applications[0]!.applicationId, id, id.toUpperCase()]];
      },
      code: 'APPLICATION_SELECTION_DUPLICATE',
      ids: () => [contoso.applications[1]!.applicationId],
    },
    {
      name: 'an unknown application among known ones',
      input: () => [contoso.organization.id, [contoso.applications[0]!.applicationId, '00000000-0000-4000-8000-000000000000']],
      code: 'APPLICATION_NOT_FOUND',
      ids: () => ['00000000-0000-4000-8000-000000000000'],
    },
    {
      name: 'a malformed application id',
      input: () => [contoso.organization.id, [contoso.applications[0]!.applicationId, 'not-a-guid']],
      code: 'APPLICATION_NOT_FOUND',
      ids: () => ['not-a-guid'],
    },
    {
      name: "another organization's application among this one's",
      input: () => [contoso.organization.id, [contoso.applications[0]!.applicationId, fabrikam.applications[0]!.applicationId]],
      code: 'APPLICATION_IN_OTHER_ORGANIZATION',
      ids: () => [fabrikam.applications[0]!.applicationId],
    },
    {
      name: "an unknown application and another organization's among this one's",
      input: () => [
        contoso.organization.id,
        [contoso.applications[0]!.applicationId, fabrikam.applications[0]!.applicationId, '00000000-0000-4000-8000-000000000000'],
      ],
      code: 'APPLICATION_NOT_FOUND',
      ids: () => ['00000000-0000-4000-8000-000000000000'],
    },
    {
      name: 'an unknown organization',
      input: () => [randomUUID(), [contoso.applications[0]!.applicationId]],
      code: 'ORGANIZATION_NOT_FOUND',
      ids: () => [],
    },
    {
      name: 'a malformed organization id',
      input: () => ['contoso', [contoso.applications[0]!.applicationId]],
      code: 'ORGANIZATION_NOT_FOUND',
      ids: () => ['contoso'],
    },
  ];

  for (const bad of badInputs) {
    it(`refuses ${bad.name} with ${bad.code} and removes nothing`, async () => {
      const [organizationId, applicationIds] = bad.input();
      const { data, errors } = await remove(organizationId, applicationIds);
      expect(errors).toBeUndefined();
      expect(data!.removeApplications.removedApplications).toEqual([]);
      expect(data!.removeApplications.errors).toHaveLength(1);
      const [error] = data!.removeApplications.errors;
      expect(error!.code).toBe(bad.code);
      expect(error!.message.length).toBeGreaterThan(10);
      if (bad.ids().length > 0) expect(error!.ids).toEqual(bad.ids());
      expect(await storedApplicationIds()).toEqual(everyApplication);
    });
  }

  it('lets only one of two concurrent removals of the same application succeed', async () => {
    const target = contoso.applications[2]!.applicationId;
    const results = await Promise.all([remove(contoso.organization.id, [target]), remove(contoso.organization.id, [target])]);
    const outcomes = results.map((result) => result.data!.removeApplications.errors[0]?.code ?? 'removed').sort();
    expect(outcomes).toEqual(['APPLICATION_NOT_FOUND', 'removed']);
    expect(await storedApplicationIds()).toEqual(['Contoso 1', 'Contoso 2', 'Contoso 4', 'Fabrikam 1']);
  });
});
