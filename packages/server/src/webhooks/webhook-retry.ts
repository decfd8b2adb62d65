import type { WebhookSettings } from '../config/config.js';

/**
 * How long to wait before retry number `retry` (1 for the first retry): exponential backoff with full
 * jitter — a uniformly random time between 0 and min(max, base × 2^(retry-1)) — so receivers that
 * failed together are not retried together. `random` is injectable for tests.
 */
export function retryDelayMs(
  retry: number,
  { retryBaseMs, retryMaxMs }: Pick<WebhookSettings, 'retryBaseMs' | 'retryMaxMs'>,
  random = Math.random,
): number {
  const ceiling = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(retry - 1, 40));
  return Math.round(random() * ceiling);
}
