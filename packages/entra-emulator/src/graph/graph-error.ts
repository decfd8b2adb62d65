import { randomUUID } from 'node:crypto';
import type { EmulatorResponse } from '../http/router.js';

/** A refusal by Graph, with the status and `error.code` Microsoft Graph answers with. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Graph's error body: `{ error: { code, message, innerError: { date, request-id, client-request-id } } }`. */
export function graphErrorResponse(failure: GraphError, clientRequestId: string | undefined): EmulatorResponse {
  const requestId = randomUUID();
  const clientRequest = clientRequestId ?? requestId;
  return {
    status: failure.status,
    headers: { 'request-id': requestId, 'client-request-id': clientRequest, ...failure.headers },
    json: {
      error: {
        code: failure.code,
        message: failure.message,
        innerError: { date: new Date().toISOString().replace(/\.\d+Z$/, ''), 'request-id': requestId, 'client-request-id': clientRequest },
      },
    },
  };
}

export const graphErrors = {
  unauthenticated: (message: string) => new GraphError(401, 'InvalidAuthenticationToken', message),
  forbidden: () => new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'),
  notFound: (id: string) =>
    new GraphError(
      404,
      'Request_ResourceNotFound',
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    ),
  badRequest: (message: string) => new GraphError(400, 'Request_BadRequest', message),
  unsupportedQuery: (message: string) => new GraphError(400, 'Request_UnsupportedQuery', message),
  noRoute: (path: string) => new GraphError(400, 'BadRequest', `Resource not found for the segment '${path}'.`),
  throttled: (retryAfterSeconds: number) =>
    new GraphError(429, 'Request_ThrottledTemporarily', `Your request is throttled temporarily. Please try after ${retryAfterSeconds} seconds.`, {
      'retry-after': String(retryAfterSeconds),
    }),
  serverError: (status: number) =>
    new GraphError(status, status === 503 ? 'ServiceUnavailable' : 'UnknownError', 'The service is temporarily unavailable. Please retry later.'),
};
