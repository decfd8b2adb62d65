import { meQuery, organizationsQuery } from 'virtual:first-queries';
import type { EarlyRequest } from './common/apollo/early-requests.js';
import { firstPageVariables } from './organizations/organizations-first-page.js';

/**
 * The first view's queries (who is signed in, the inventory's first page), as the Apollo client sends
 * them: the console's entry sends them early, and the server runs them to render the first view.
 */
export const firstViewRequests: readonly EarlyRequest[] = [
  { operationName: 'Me', query: meQuery, variables: {} },
  { operationName: 'Organizations', query: organizationsQuery, variables: firstPageVariables },
];

/** The id of the JSON block that carries the Apollo cache the server rendered the first view from. */
export const FIRST_VIEW_STATE_ID = 'first-view-state';
