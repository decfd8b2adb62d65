import { ErrorCode, errorMessages } from '@bam/shared';
import type { ErrorRequestHandler, Response } from 'express';

/** The one logger method the handler needs (the server's pino logger has it). */
export interface ErrorLogger {
  error(details: object, message: string): void;
}

/**
 * The final Express error handler. Express's own prints an HTML stack trace with absolute paths
 * unless NODE_ENV is `production`; this one answers in the API's error shape, whatever NODE_ENV says.
 * Client mistakes the body parser or the router detect (malformed JSON, an oversized body, a URL
 * that cannot be decoded) keep their 4xx status as BAD_REQUEST; anything else is logged here and
 * answered as INTERNAL_ERROR.
 */
export function errorHandler(logger: ErrorLogger): ErrorRequestHandler {
  return (error: unknown, request, response, next) => {
    // Too late for an error response: Express's handler closes the connection.
    if (response.headersSent) return next(error);
    const status = clientErrorStatus(error);
    if (status) return sendError(response, status, ErrorCode.BAD_REQUEST);
    logger.error({ err: error, method: request.method, path: request.path }, 'unexpected error while handling an HTTP request');
    sendError(response, 500, ErrorCode.INTERNAL_ERROR);
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

function sendError(response: Response, status: number, code: ErrorCode): void {
  response.status(status).json({ errors: [{ message: errorMessages[code], extensions: { code } }] });
}
