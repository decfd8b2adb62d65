import { meQuery, organizationsQuery } from 'virtual:first-queries';
import { startEarlyRequests } from './common/apollo/early-requests.js';
import { firstPageVariables } from './organizations/organizations-first-page.js';
import './common/styles/console.css';

// The first view's queries leave before the console's code (Vue, Apollo, the views) has even
// loaded: this entry is small, and the rest of the console arrives while the server answers.
const early = startEarlyRequests([
  { operationName: 'Me', query: meQuery, variables: {} },
  { operationName: 'Organizations', query: organizationsQuery, variables: firstPageVariables },
]);
void import('./start-console.js').then(({ startConsole }) => startConsole(early));
