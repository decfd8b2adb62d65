import type { IncomingMessage } from 'node:http';
import { ErrorCode, errorMessages } from '@bam/shared';
import type { Request, RequestHandler, Response } from 'express';
import type { Actor, RequestOrigin } from '../common/actor.js';
import type { AuthenticationService } from './authentication.service.js';

export const SESSION_COOKIE = 'bam_session';

/** Sets and clears the session cookie on the response of the current HTTP request. */
export interface SessionCookie {
  set(secret: string, maxAgeSeconds: number): void;
  clear(): void;
}

/** Where a request came from; `clientIp` is the address its trusted proxies forwarded, if any (see TRUST_PROXY). */
export function requestOrigin(request: IncomingMessage, clientIp: string | undefined): RequestOrigin {
  return { clientIp: clientIp ?? null, userAgent: request.headers['user-agent'] ?? null };
}

/** The value of one cookie of a `Cookie` header, or null. */
export function readCookie(header: string | undefined, name: string): string | null {
  for (const part of header?.split(';') ?? []) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return decodeURIComponent(part.slice(separator + 1).trim());
  }
  return null;
}

type HttpCaller = Awaited<ReturnType<typeof authenticateHttpRequest>>;

/**
 * Express middleware before the upload parser: authenticates the request once (see
 * {@link httpCallerOf}) and refuses an anonymous multipart request before any file is read.
 */
export function httpAuthentication(auth: AuthenticationService): RequestHandler {
  return async (request, response, next) => {
    try {
      const caller = await authenticateHttpRequest(auth, request, response);
      if (caller.actor.role === null && request.is('multipart/form-data')) {
        response
          .status(401)
          .json({ errors: [{ message: errorMessages[ErrorCode.UNAUTHENTICATED], extensions: { code: ErrorCode.UNAUTHENTICATED } }] });
        return;
      }
      response.locals.caller = caller;
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** The caller {@link httpAuthentication} found for this response's request. */
export function httpCallerOf(response: Response): HttpCaller {
  return response.locals.caller as HttpCaller;
}

/**
 * The caller of one HTTP request, and its session cookie. The cookie is HttpOnly (no script reads
 * it), SameSite=Strict (no other site's page sends it) and Secure when the request came over TLS.
 * Express's `request.ip` and `request.secure` follow the server's `trust proxy` (TRUST_PROXY).
 */
export async function authenticateHttpRequest(
  auth: AuthenticationService,
  request: Request,
  response: Response,
): Promise<{ actor: Actor; sessionCookie: SessionCookie }> {
  const { actor } = await auth.authenticate({
    authorization: request.headers.authorization,
    sessionSecret: readCookie(request.headers.cookie, SESSION_COOKIE),
    origin: requestOrigin(request, request.ip),
  });
  const options = { httpOnly: true, sameSite: 'strict', secure: request.secure, path: '/' } as const;
  return {
    actor,
    sessionCookie: {
      set: (secret, maxAgeSeconds) => response.cookie(SESSION_COOKIE, secret, { ...options, maxAge: maxAgeSeconds * 1000 }),
      clear: () => response.clearCookie(SESSION_COOKIE, options),
    },
  };
}
