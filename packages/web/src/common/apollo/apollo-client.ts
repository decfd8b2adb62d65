import { ApolloClient, ApolloLink, CombinedGraphQLErrors, InMemoryCache } from '@apollo/client';
import { ErrorLink } from '@apollo/client/link/error';
import UploadHttpLink from 'apollo-upload-client/UploadHttpLink.mjs';
import { MeDocument } from '../../generated/graphql.js';

/**
 * The console talks to one endpoint: HTTP for queries, mutations and multipart uploads through Apollo,
 * and a WebSocket for the certificate event feed (`events/`), which updates Apollo's cache.
 */
export const GRAPHQL_PATH = '/graphql';

export function createApolloClient(baseUrl: string = window.location.href): ApolloClient {
  const endpoint = new URL(GRAPHQL_PATH, baseUrl);
  const http = new UploadHttpLink({
    uri: endpoint.href,
    // The server keeps Apollo's CSRF prevention on: a multipart upload must carry this header.
    headers: { 'Apollo-Require-Preflight': 'true' },
  });

  // A session that ended (idle, expired, signed out elsewhere) shows as UNAUTHENTICATED: asking `me`
  // again turns the console to the sign-in page.
  const sessionEnded = new ErrorLink(({ error }) => {
    if (CombinedGraphQLErrors.is(error) && error.errors.some((graphQLError) => graphQLError.extensions?.code === 'UNAUTHENTICATED')) {
      void client.refetchQueries({ include: [MeDocument] });
    }
  });

  const client: ApolloClient = new ApolloClient({
    link: ApolloLink.from([sessionEnded, http]),
    cache: createCache(),
    defaultOptions: {
      watchQuery: { fetchPolicy: 'cache-and-network', notifyOnNetworkStatusChange: true },
    },
  });
  return client;
}

/** The console's cache: how lists page and how partial objects of one thing merge. */
export function createCache(): InMemoryCache {
  return new InMemoryCache({
    typePolicies: {
      Query: {
        fields: {
          organizations: appendedPages,
          auditLog: appendedPages,
        },
      },
      Organization: { fields: { backupApplications: { merge: false } } },
      // The inventory reads two counts and the summary five: each refetch merges into the same object.
      CertificateSummary: { merge: true },
    },
  });
}

interface ConnectionPage {
  edges: unknown[];
}

/** Each filter is its own list; pages of one list are appended in order (fetchMore with `after`). */
const appendedPages = {
  keyArgs: ['filter'],
  merge(existing: ConnectionPage | undefined, incoming: ConnectionPage, { args }: { args: Record<string, unknown> | null }) {
    if (!existing || !args?.after) return incoming;
    return { ...incoming, edges: [...existing.edges, ...incoming.edges] };
  },
};
