import type { RequestHandler, Response } from 'express';
import helmet from 'helmet';

/**
 * Security headers on every response (console, playground, API). The policy allows only what the
 * built pages are proven to need: scripts, styles and connections (HTTP and WebSocket) from this
 * server, and `data:` fonts and images, which GraphiQL's stylesheet embeds. No inline script or style.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        // Nothing may frame the console: its Remove and Update dialogs must not be clickjacked.
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // The server speaks plain HTTP; browsers ignore HSTS there, and the TLS terminator in front sets it.
    strictTransportSecurity: false,
  });
}

/**
 * Allows, on this response only, the inline `<style>` elements whose exact text hashes to one of
 * `styleHashes` (`sha256-…` sources of the policy's `style-src`); any other inline style stays refused.
 */
export function allowInlineStyles(response: Response, styleHashes: readonly string[]): void {
  const policy = response.getHeader('Content-Security-Policy');
  if (typeof policy !== 'string' || styleHashes.length === 0) return;
  const sources = styleHashes.map((hash) => `'${hash}'`).join(' ');
  response.setHeader(
    'Content-Security-Policy',
    policy.replace(/(^|;)\s*style-src ([^;]*)/, (_directive, separator: string, allowed: string) => `${separator}style-src ${allowed} ${sources}`),
  );
}
