import fs from 'node:fs';
import path from 'node:path';
import type { RequestHandler } from 'express';

/** Asset names carry a hash of their content: a changed file gets a new name, so caches may keep them for good. */
const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';

/** Encodings the build writes beside each asset (scripts/precompress.mjs), in order of preference. */
const encodings = [
  { name: 'br', extension: '.br' },
  { name: 'gzip', extension: '.gz' },
] as const;

/**
 * Serves the console's hashed assets (`/assets/<name>`) compressed at build time, when the client
 * accepts it, and marks every asset immutable. What it does not answer falls through to the static
 * file handler (the plain file, with the headers set here).
 */
export function precompressedAssets(webDistDir: string): RequestHandler {
  const assetsDir = path.join(webDistDir, 'assets');
  // Names are content hashes, so a file found once stays. Misses are not kept: any client can invent names.
  const found = new Set<string>();
  const hasFile = (file: string) => {
    if (found.has(file)) return true;
    if (!fs.existsSync(file)) return false;
    found.add(file);
    return true;
  };

  return (request, response, next) => {
    const name = /^\/assets\/([\w-]+(?:\.[\w-]+)*)$/.exec(request.path)?.[1];
    if (!name || (request.method !== 'GET' && request.method !== 'HEAD') || !hasFile(path.join(assetsDir, name))) return next();
    response.setHeader('Cache-Control', IMMUTABLE_CACHE);
    response.vary('Accept-Encoding');
    // Our order, not the header's: browsers list gzip before br with equal weight.
    const encoding = encodings.find(
      (candidate) => request.acceptsEncodings(candidate.name) === candidate.name && hasFile(path.join(assetsDir, `${name}${candidate.extension}`)),
    );
    if (!encoding) return next();
    // The type of the asset itself, not of the .br/.gz file that carries it.
    response.type(path.extname(name));
    response.setHeader('Content-Encoding', encoding.name);
    response.sendFile(path.join(assetsDir, `${name}${encoding.extension}`), { cacheControl: false }, (error) => error && next(error));
  };
}
