import { startEarlyRequests } from './common/apollo/early-requests.js';
import { afterNextPaint } from './common/scheduling/after-next-paint.js';
import { FIRST_VIEW_STATE_ID, firstViewRequests } from './first-view.js';
import './common/styles/console.css';

const rendered = document.getElementById(FIRST_VIEW_STATE_ID);
if (rendered) {
  // The server rendered the first view for the signed-in user: the browser paints it first, then the
  // console's code (one long task: Vue, Apollo, the hydration) takes it over with the answers it was
  // rendered from, without asking again. Started at once, that task would delay the first paint.
  const state: unknown = JSON.parse(rendered.textContent ?? '{}');
  afterNextPaint(() => void import('./start-console.js').then(({ hydrateConsole }) => hydrateConsole(state)));
} else {
  // The first view's queries leave before the console's code (Vue, Apollo, the views) has even
  // loaded: this entry is small, and the rest of the console arrives while the server answers.
  const early = startEarlyRequests(firstViewRequests);
  void import('./start-console.js').then(({ startConsole }) => startConsole(early));
}
