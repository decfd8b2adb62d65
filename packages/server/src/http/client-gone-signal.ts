import type { ServerResponse } from 'node:http';

/** A signal aborted when the client goes away (tab closed, connection dropped) before its response is complete. */
export function clientGoneSignal(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) controller.abort();
  });
  return controller.signal;
}
