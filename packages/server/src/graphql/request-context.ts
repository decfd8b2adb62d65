import type { Actor } from '../common/actor.js';
import type { Services } from '../domain-module.js';

/**
 * Loaders that batch and cache reads for one request, by name. Each domain module adds its own to
 * this interface (declaration merging) and creates them in its `createLoaders`.
 */
export interface Loaders {}

/** Per-request state: who is acting, the request's loaders, and whether anyone still waits for the answer. */
export interface RequestContext {
  actor: Actor;
  loaders: Loaders;
  /** Every domain service: for subscriptions, whose `subscribe` type-graphql calls without the resolver instance. */
  services: Services;
  /** Aborted when the client went away (HTTP connection or WebSocket closed) or the operation completed: stop work nobody will read. */
  signal: AbortSignal;
}
