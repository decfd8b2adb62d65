/**
 * When background work that failed is tried again: after `firstMs`, doubling each time up to `maxMs`. Injected, so
 * tests that wait for a retry (not about its timing) need not wait the product's seconds.
 */
export interface RetryBackoff {
  firstMs: number;
  maxMs: number;
}
