import cors from 'cors';

/**
 * Whether a page of `origin` may call the API: pages of this server (the origin's host is the Host
 * the request was sent to), the configured origins, and clients that are not browsers (no Origin).
 */
export function isAllowedOrigin(origin: string | undefined, host: string | undefined, allowedOrigins: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowedOrigins.includes(origin)) return true;
  return URL.canParse(origin) && new URL(origin).host === host;
}

/**
 * CORS for the configured origins only. Any other page gets no CORS header, so its browser neither
 * sends it JSON requests nor lets it read the answers; the server's own pages need none. A configured
 * origin's page may send an API token (`Authorization`) or the session cookie (`credentials: 'include'`;
 * SameSite=Strict still keeps the cookie from pages of another site).
 */
export function corsForAllowedOrigins(allowedOrigins: readonly string[]) {
  return cors({
    origin: [...allowedOrigins],
    methods: ['GET', 'POST'],
    allowedHeaders: ['content-type', 'apollo-require-preflight', 'authorization', 'x-request-id'],
    exposedHeaders: ['x-request-id'],
    credentials: true,
  });
}
