import type { CredentialEndBroadcast, EndedCredential } from './credential-end-broadcast.js';

/** Close code for a WebSocket whose session or token has ended (signed out, expired, revoked, account disabled). */
export const CREDENTIAL_ENDED_CLOSE_CODE = 4401;

interface ClosableSocket {
  close(code: number, reason: string): void;
}

/**
 * The open WebSockets of each credential in this process, so ending a session or revoking a token
 * closes them at once (keys: `session:<id>`, `token:<id>`, `user:<id>`, and `account:…` for the
 * account's role and limit). With a broadcast, the other instances on the database close theirs with
 * the same code and reason, within moments.
 */
export class CredentialSockets {
  private readonly byKey = new Map<string, Set<ClosableSocket>>();
  private readonly endListeners: ((key: string) => void)[] = [];

  constructor(private readonly broadcast: CredentialEndBroadcast | null = null) {}

  /**
   * Starts acting on the credentials other instances end; when their notices may have been lost,
   * asks `endedAmong` which of the open sockets' credentials have ended, and why (all in one call).
   */
  async start(endedAmong: (keys: readonly string[]) => Promise<readonly EndedCredential[]>): Promise<void> {
    await this.broadcast?.start(
      (credential) => this.endHere(credential),
      async () => {
        if (this.byKey.size === 0) return;
        for (const credential of await endedAmong([...this.byKey.keys()])) this.endHere(credential);
      },
    );
  }

  async close(): Promise<void> {
    await this.broadcast?.close();
  }

  /** Runs `listener` whenever a credential ends, in this process or another (e.g. to forget it). */
  onEnd(listener: (key: string) => void): void {
    this.endListeners.push(listener);
  }

  /** Registers the socket under each key, closes it at `expiresAt`; returns the unregistration. */
  add(keys: readonly string[], socket: ClosableSocket, expiresAt: Date): () => void {
    for (const key of keys) {
      const sockets = this.byKey.get(key) ?? new Set();
      sockets.add(socket);
      this.byKey.set(key, sockets);
    }
    // setTimeout holds at most ~24.8 days; longer-lived credentials are re-checked at every operation anyway.
    const timer = setTimeout(
      () => socket.close(CREDENTIAL_ENDED_CLOSE_CODE, 'Credential expired'),
      Math.min(expiresAt.getTime() - Date.now(), 2 ** 31 - 1),
    );
    timer.unref();
    return () => {
      clearTimeout(timer);
      for (const key of keys) {
        const sockets = this.byKey.get(key);
        sockets?.delete(socket);
        if (sockets?.size === 0) this.byKey.delete(key);
      }
    };
  }

  /** The credential has ended (the change is committed): closes every socket of it, here and on the other instances. */
  async end(key: string, reason: string): Promise<void> {
    this.endHere({ key, reason });
    await this.broadcast?.publish({ key, reason });
  }

  private endHere({ key, reason }: EndedCredential): void {
    for (const listener of this.endListeners) listener(key);
    for (const socket of this.byKey.get(key) ?? []) socket.close(CREDENTIAL_ENDED_CLOSE_CODE, reason);
  }
}
