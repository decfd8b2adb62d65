import { type DocumentNode, Kind, type OperationDefinitionNode, print, type SelectionSetNode } from 'graphql';
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

const typenameField = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } } as const;

/** Adds `__typename` to every selection below the operation's root, as Apollo's cache does to what it sends. */
function withTypenames(selectionSet: SelectionSetNode, root: boolean): SelectionSetNode {
  const selections = selectionSet.selections.map((selection) =>
    selection.kind === Kind.FIELD && selection.selectionSet
      ? { ...selection, selectionSet: withTypenames(selection.selectionSet, false) }
      : selection,
  );
  const hasTypename = selections.some((selection) => selection.kind === Kind.FIELD && selection.name.value === '__typename');
  return { ...selectionSet, selections: root || hasTypename ? selections : [...selections, typenameField] };
}

const key = (operationName: string, variables: Record<string, unknown>) => `${operationName} ${JSON.stringify(variables)}`;

/**
 * Sends the first view's queries at once with `fetch`, while the browser is still loading the console's
 * code (the Apollo client, Vue, the views): the requests then run beside that work instead of after it.
 */
export function startEarlyRequests(requests: readonly { document: DocumentNode; variables: Record<string, unknown> }[]): EarlyRequests {
  const answers = new Map<string, Promise<GraphQLResponseBody | undefined>>();
  for (const { document, variables } of requests) {
    const operation = document.definitions[0] as OperationDefinitionNode;
    const operationName = operation.name!.value;
    const sent: DocumentNode = { ...document, definitions: [{ ...operation, selectionSet: withTypenames(operation.selectionSet, true) }] };
    const answer = fetch(GRAPHQL_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
      body: JSON.stringify({ operationName, variables, query: print(sent) }),
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
