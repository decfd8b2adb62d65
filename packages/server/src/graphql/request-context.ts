import type { Actor } from '../common/actor.js';

/**
 * Loaders that batch and cache reads for one request, by name. Each domain module adds its own to
 * this interface (declaration merging) and creates them in its `createLoaders`.
 */
export interface Loaders {}

/** Per-request state: who is acting, and the request's loaders. */
export interface RequestContext {
  actor: Actor;
  /** Aborts when an HTTP client goes away before its answer is sent; absent over WebSockets. */
  signal?: AbortSignal;
  loaders: Loaders;
}
