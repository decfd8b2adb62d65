import { ApolloClient, ApolloLink, CombinedGraphQLErrors, InMemoryCache, type NormalizedCacheObject } from '@apollo/client';
import { ErrorLink } from '@apollo/client/link/error';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import UploadHttpLink from 'apollo-upload-client/UploadHttpLink.mjs';
import { createClient } from 'graphql-ws';
import { from, mergeMap, of } from 'rxjs';
import { MeDocument } from '../../generated/graphql.js';
import type { AppliedEvents } from './applied-events.js';
import type { EarlyRequests } from './early-requests.js';
import { GRAPHQL_PATH } from './graphql-path.js';

function isSubscription(operation: ApolloLink.Operation): boolean {
  const definition = getMainDefinition(operation.query);
  return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
}

/** Answers an operation from the request sent for it before the client existed, if there was one; otherwise sends it. */
function earlyAnswers(early: EarlyRequests): ApolloLink {
  return new ApolloLink((operation, forward) => {
    const answer = early.take(operation.operationName ?? '', operation.variables);
    if (!answer) return forward(operation);
    return from(answer).pipe(mergeMap((body) => (body ? of(body as ApolloLink.Result) : forward(operation))));
  });
}

/** Where the console's first answers come from, when not from the network. */
export interface FirstAnswers {
  /** Requests sent before the client existed (see `main.ts`). */
  early?: EarlyRequests;
  /** The Apollo cache the server rendered the first view from: the queries the hydration starts read it instead of the network. */
  rendered?: NormalizedCacheObject;
}

/**
 * HTTP for queries, mutations and multipart uploads; a WebSocket for the subscriptions views follow
 * for a while (a rotation's steps), open only while one runs. The certificate event feed (`events/`)
 * has its own WebSocket, which it reconnects and resumes itself, and updates Apollo's cache; it tells
 * `appliedEvents` of each event, whose link keeps answers read before it away from the views.
 */
export function createApolloClient(
  appliedEvents: AppliedEvents,
  { early, rendered }: FirstAnswers = {},
  baseUrl: string = window.location.href,
): ApolloClient {
  const endpoint = new URL(GRAPHQL_PATH, baseUrl);
  const http = new UploadHttpLink({
    uri: endpoint.href,
    // The server keeps Apollo's CSRF prevention on: a multipart upload must carry this header.
    headers: { 'Apollo-Require-Preflight': 'true' },
  });

  const socketUrl = new URL(endpoint);
  socketUrl.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';
  // No retries: a follower that loses its socket gives up (the operation's answer still comes over HTTP).
  const webSocket = new GraphQLWsLink(createClient({ url: socketUrl.href, lazy: true, retryAttempts: 0 }));

  // A session that ended (idle, expired, signed out elsewhere) shows as UNAUTHENTICATED: asking `me`
  // again turns the console to the sign-in page.
  const sessionEnded = new ErrorLink(({ error }) => {
    if (CombinedGraphQLErrors.is(error) && error.errors.some((graphQLError) => graphQLError.extensions?.code === 'UNAUTHENTICATED')) {
      void client.refetchQueries({ include: [MeDocument] });
    }
  });

  const client: ApolloClient = new ApolloClient({
    link: ApolloLink.from([
      sessionEnded,
      appliedEvents.link,
      ...(early ? [earlyAnswers(early)] : []),
      ApolloLink.split(isSubscription, webSocket, http),
    ]),
    cache: rendered ? createCache().restore(rendered) : createCache(),
    // The hydration runs in the task that creates the client: until a timer ends it, queries answer
    // from the rendered cache (`cache-and-network` reads it without a request), so the first render
    // matches the server's; the live feed keeps it current from then on.
    ...(rendered ? { ssrForceFetchDelay: 1 } : {}),
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
