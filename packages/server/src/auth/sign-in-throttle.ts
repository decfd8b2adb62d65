import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface ThrottleLimits {
  maxFailuresPerUsername: number;
  maxFailuresPerIp: number;
  throttleSeconds: number;
}

/**
 * Counts failed sign-ins per username (against guessing one account's password) and per client
 * address (against trying many accounts). In memory: per process, which bounds guessing per
 * instance without a shared store; rate-limiter-flexible can move to PostgreSQL when that matters.
 */
export class SignInThrottle {
  private readonly byUsername: RateLimiterMemory;
  private readonly byIp: RateLimiterMemory;

  constructor(limits: ThrottleLimits) {
    this.byUsername = new RateLimiterMemory({ keyPrefix: 'username', points: limits.maxFailuresPerUsername, duration: limits.throttleSeconds });
    this.byIp = new RateLimiterMemory({ keyPrefix: 'ip', points: limits.maxFailuresPerIp, duration: limits.throttleSeconds });
  }

  /**
   * Counts an attempt as a failure before its password is checked — attempts sent at once would
   * otherwise all pass a check made before any of their failures were counted — and tells whether it
   * may go on. A refused attempt counts for nothing: it checked no password.
   */
  async beginAttempt(username: string, clientIp: string): Promise<boolean> {
    const counted = await Promise.all([withinLimit(this.byUsername.consume(username)), withinLimit(this.byIp.consume(clientIp))]);
    if (counted.every(Boolean)) return true;
    await this.refund(username, clientIp);
    return false;
  }

  /** An attempt that turned out no failure (a right password) gives back what `beginAttempt` counted. */
  async refund(username: string, clientIp: string): Promise<void> {
    await Promise.all([this.byUsername.reward(username, 1), this.byIp.reward(clientIp, 1)]);
  }

  /** A right password at sign-in clears the username's count (not the address's: one success must not reset a spray). */
  async recordSuccess(username: string, clientIp: string): Promise<void> {
    await Promise.all([this.byUsername.delete(username), this.byIp.reward(clientIp, 1)]);
  }
}

/** `consume` rejects with the limiter's state once the count passes the limit. */
async function withinLimit(consumed: Promise<RateLimiterRes>): Promise<boolean> {
  try {
    await consumed;
    return true;
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
    return false;
  }
}
