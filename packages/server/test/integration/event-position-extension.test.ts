import { expect, it } from 'vitest';
import { seedOrganization } from '../support/seed.js';
import { useTestServer } from '../support/test-server.js';

const server = useTestServer();

const eventPositions = async () => {
  const answer = await server.graphql<{ certificateEvents: { edges: { node: { position: string } }[] } }>(
    '{ certificateEvents(first: 100) { edges { node { position } } } }',
  );
  expect(answer.errors).toBeUndefined();
  return { listed: answer.data!.certificateEvents.edges.map((edge) => edge.node.position), extensions: answer.extensions };
};

it("reports in each query's answer the position of the newest event known committed before it read, and none in a mutation's", async () => {
  const { organization, applications } = await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', [
    { displayName: 'Contoso 1' },
    { displayName: 'Contoso 2' },
  ]);
  const before = await eventPositions();
  expect(before.extensions).toEqual({ certificateEventPosition: before.listed.at(-1) ?? '0' });

  const removal = await server.graphql<{ removeApplications: { errors: unknown[] } }>(
    'mutation($input: RemoveApplicationsInput!) { removeApplications(input: $input) { errors { code } } }',
    { input: { organizationId: organization.id, applicationIds: [applications[0]!.applicationId] } },
  );
  expect(removal.data!.removeApplications.errors).toEqual([]);
  expect(removal.extensions).toBeUndefined();

  // The removal's event is the newest: queries report its position once the server has read it from the log.
  await expect.poll(async () => (await eventPositions()).extensions).not.toEqual(before.extensions);
  const after = await eventPositions();
  expect(after.listed).toHaveLength(before.listed.length + 1);
  expect(after.extensions).toEqual({ certificateEventPosition: after.listed.at(-1) });
  expect(BigInt(after.listed.at(-1)!)).toBeGreaterThan(BigInt(before.listed.at(-1) ?? '0'));
});
