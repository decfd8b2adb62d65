import { GRAPHQL_PATH } from './graphql-path.js';

/** The JSON body of a GraphQL response. */
export type GraphQLResponseBody = Record<string, unknown>;

/** Requests sent before the console's code has loaded; the Apollo client takes each answer once. */
export interface EarlyRequests {
  /**
   * The answer of the early request for this operation and these variables, once. Undefined: there is
   * none, or it failed or carried errors (signed out, say) and the operation is to be sent the ordinary way.
   */
  take(operationName: string, variables: Record<string, unknown>): Promise<GraphQLResponseBody | undefined> | undefined;
}

/** A query as the Apollo client would send it: the same text (with `__typename`), name and variables. */
export interface EarlyRequest {
  operationName: string;
  query: string;
  variables: Record<string, unknown>;
}

const key = (operationName: string, variables: Record<string, unknown>) => `${operationName} ${JSON.stringify(variables)}`;

/**
 * Sends the first view's queries at once with `fetch`, while the browser is still loading the console's
 * code (the Apollo client, Vue, the views): the requests then run beside that work instead of after it.
 */
export function startEarlyRequests(requests: readonly EarlyRequest[]): EarlyRequests {
  const answers = new Map<string, Promise<GraphQLResponseBody | undefined>>();
  for (const { operationName, query, variables } of requests) {
    const answer = fetch(GRAPHQL_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
      body: JSON.stringify({ operationName, variables, query }),
    })
      .then((response) => (response.ok ? (response.json() as Promise<GraphQLResponseBody>) : undefined))
      .then((body) => (body && !('errors' in body) ? body : undefined))
      .catch(() => undefined);
    answers.set(key(operationName, variables), answer);
  }
  return {
    take(operationName, variables) {
      const answer = answers.get(key(operationName, variables));
      answers.delete(key(operationName, variables));
      return answer;
    },
  };
}
