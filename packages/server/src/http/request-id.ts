import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/**
 * An incoming id is kept only when short and plain (a UUID, a proxy's hex or `edge-1:2` id): it is
 * written to every log line and sent back, so nothing else a client sends may pass as one.
 */
const wellFormedRequestId = /^[\w.:-]{1,64}$/;

/**
 * Gives each HTTP request an id — a reverse proxy's or client's well-formed `X-Request-Id`, else a
 * new UUID — sends it back in `X-Request-Id`, and handles the rest of the request `within` it, so
 * that every log line written meanwhile names it.
 */
export function requestIds(within: (requestId: string, handle: () => void) => void): RequestHandler {
  return (request, response, next) => {
    const incoming = request.get(REQUEST_ID_HEADER);
    const requestId = incoming !== undefined && wellFormedRequestId.test(incoming) ? incoming : randomUUID();
    response.locals.requestId = requestId;
    response.setHeader(REQUEST_ID_HEADER, requestId);
    within(requestId, next);
  };
}

/** The id {@link requestIds} gave this response's request. */
export function requestIdOf(response: Response): string | undefined {
  return response.locals.requestId as string | undefined;
}
