/**
 * Where the server reads the current time for rules that depend on it (the expiry monitor). Injected,
 * so tests can run those rules "as of" any instant instead of waiting for it.
 */
export interface Clock {
  now(): Date;
}

/** The machine's clock. */
export const systemClock: Clock = Object.freeze({ now: () => new Date() });
