import type { ServerResponse } from 'node:http';

/**
 * A signal that aborts when the connection closes before the response is complete — the client went
 * away, or the server dropped it while shutting down — so work done only for that response can stop.
 */
export function clientGoneSignal(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) controller.abort();
  });
  return controller.signal;
}
