import type { ServerResponse } from 'node:http';
import { ClientGoneError } from '../common/client-gone-error.js';

/**
 * A signal aborted when the client goes away (tab closed, connection dropped, a check the console cancelled) before
 * its response is complete; its reason is a {@link ClientGoneError}.
 */
export function clientGoneSignal(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) controller.abort(new ClientGoneError());
  });
  return controller.signal;
}
