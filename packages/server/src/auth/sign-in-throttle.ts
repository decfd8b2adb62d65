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

  constructor(private readonly limits: ThrottleLimits) {
    this.byUsername = new RateLimiterMemory({ keyPrefix: 'username', points: limits.maxFailuresPerUsername, duration: limits.throttleSeconds });
    this.byIp = new RateLimiterMemory({ keyPrefix: 'ip', points: limits.maxFailuresPerIp, duration: limits.throttleSeconds });
  }

  /** Whether either counter has reached its limit: the attempt is refused without checking the password. */
  async isThrottled(username: string, clientIp: string): Promise<boolean> {
    const [user, ip] = await Promise.all([this.byUsername.get(username), this.byIp.get(clientIp)]);
    return (user?.consumedPoints ?? 0) >= this.limits.maxFailuresPerUsername || (ip?.consumedPoints ?? 0) >= this.limits.maxFailuresPerIp;
  }

  async recordFailure(username: string, clientIp: string): Promise<void> {
    await Promise.all([ignoreLimitReached(this.byUsername.consume(username)), ignoreLimitReached(this.byIp.consume(clientIp))]);
  }

  /** A right password clears the username's count (not the address's: one success must not reset a spray). */
  async recordSuccess(username: string): Promise<void> {
    await this.byUsername.delete(username);
  }
}

/** `consume` rejects with the limiter's state once the limit is reached; the count is what matters here. */
async function ignoreLimitReached(consumed: Promise<RateLimiterRes>): Promise<void> {
  try {
    await consumed;
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
  }
}
