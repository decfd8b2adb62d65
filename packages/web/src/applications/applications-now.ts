import type { ApolloClient } from '@apollo/client';
import { type BackupApplicationRowFragment, OrganizationApplicationsDocument } from '../generated/graphql.js';

/**
 * The organization's applications as the server has them now, never from the cache (which holds what was shown before
 * an answer was lost); the answer also refreshes the manager's list. Throws when the server cannot be reached.
 */
export async function applicationsNow(client: ApolloClient, organizationId: string): Promise<readonly BackupApplicationRowFragment[]> {
  const { data } = await client.query({ query: OrganizationApplicationsDocument, variables: { organizationId }, fetchPolicy: 'network-only' });
  return data?.organization?.backupApplications ?? [];
}
