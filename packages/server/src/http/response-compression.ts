import compression from 'compression';
import type { RequestHandler } from 'express';
import { constants } from 'node:zlib';

/**
 * Compresses API responses (GraphQL JSON) for clients that accept it, brotli first. List pages
 * shrink to a tenth; small responses, under the 1 kB default threshold, go out as they are.
 * Brotli at quality 4: per request, the strongest settings cost more CPU than the bytes they save.
 */
export function responseCompression(): RequestHandler {
  return compression({ brotli: { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } } });
}
