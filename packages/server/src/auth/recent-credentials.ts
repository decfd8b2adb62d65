import type { Authentication } from './authentication.service.js';

const MAX_ENTRIES = 10_000;

/**
 * Credentials checked in the last few seconds, by the hash of their secret: a burst of requests
 * costs one database check, not one each (on the embedded database every query waits for any open
 * transaction). Ending a credential forgets it at once, in this process and, through the
 * credential-end broadcast, on the other instances; should that notice be lost, it is refused once
 * its entry here has expired (seconds).
 */
export class RecentCredentials {
  private readonly entries = new Map<string, { authentication: Authentication; until: number }>();

  get(secretHash: string): Authentication | undefined {
    const entry = this.entries.get(secretHash);
    if (entry && entry.until > Date.now()) return entry.authentication;
    this.entries.delete(secretHash);
    return undefined;
  }

  remember(secretHash: string, authentication: Authentication, forMs: number): void {
    // Bounded memory: when full, start over (a cache miss only costs one query).
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    const until = Math.min(Date.now() + forMs, authentication.expiresAt?.getTime() ?? 0);
    if (until > Date.now()) this.entries.set(secretHash, { authentication, until });
  }

  /** Forgets every credential under the key (`session:<id>`, `token:<id>`, `user:<id>`). */
  forget(key: string): void {
    for (const [secretHash, { authentication }] of this.entries) {
      if (authentication.socketKeys.includes(key)) this.entries.delete(secretHash);
    }
  }
}
