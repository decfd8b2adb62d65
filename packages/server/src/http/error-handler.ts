import { ErrorCode, errorMessages } from '@bam/shared';
import type { ErrorRequestHandler, Response } from 'express';
import { requestIdOf } from './request-id.js';

/** The one logger method the handler needs (the server's pino logger has it). */
export interface ErrorLogger {
  error(details: object, message: string): void;
}

/**
 * The final Express error handler. Express's own prints an HTML stack trace with absolute paths
 * unless NODE_ENV is `production`; this one answers in the API's error shape, whatever NODE_ENV says.
 * Client mistakes the body parser or the router detect keep their 4xx status: an oversized body as
 * REQUEST_TOO_LARGE with the limit, malformed JSON or a URL that cannot be decoded as BAD_REQUEST;
 * anything else is logged here and answered as INTERNAL_ERROR.
 */
export function errorHandler(logger: ErrorLogger): ErrorRequestHandler {
  return (error: unknown, request, response, next) => {
    // Too late for an error response: Express's handler closes the connection.
    if (response.headersSent) return next(error);
    const status = clientErrorStatus(error);
    if (status) return sendClientError(response, status, error);
    const requestId = requestIdOf(response);
    logger.error({ err: error, method: request.method, path: request.path, requestId }, 'unexpected error while handling an HTTP request');
    // The request id lets an operator find that log line.
    sendError(response, 500, ErrorCode.INTERNAL_ERROR, requestId ? { requestId } : {});
  };
}

/**
 * http-errors (body-parser, `send`) mark client errors with a 4xx `status` and `expose`; the router
 * throws a plain URIError (status 400) for a path it cannot decode.
 */
function clientErrorStatus(error: unknown): number | undefined {
  if (error instanceof URIError) return 400;
  if (error === null || typeof error !== 'object') return undefined;
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  return typeof status === 'number' && status >= 400 && status < 500 && expose === true ? status : undefined;
}

function sendClientError(response: Response, status: number, error: unknown): void {
  // body-parser's error for an oversized body carries the limit it applied.
  const { limit } = error as { limit?: unknown };
  if (status === 413 && typeof limit === 'number') return sendError(response, status, ErrorCode.REQUEST_TOO_LARGE, { maxBytes: limit });
  sendError(response, status, ErrorCode.BAD_REQUEST);
}

function sendError(response: Response, status: number, code: ErrorCode, details: Record<string, unknown> = {}): void {
  response.status(status).json({ errors: [{ message: errorMessages[code], extensions: { code, ...details } }] });
}
