import pg from 'pg';
import type { Logger } from '../logging/logger.js';

/** How the connection shows in `pg_stat_activity`: one per running server. */
export const NOTIFICATIONS_APPLICATION_NAME = 'backup-applications-manager notifications';

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

/** Called with each notification's payload on its channel, and without one once the connection is back after a loss. */
export type NotificationHandler = (payload?: string) => void;

/**
 * PostgreSQL's LISTEN/NOTIFY for every module of one instance, on one dedicated connection: a
 * connection each would hold several of the database's connections per instance for the same work.
 * When the connection drops it comes back listening to every channel, and each handler is called
 * without a payload: notifications sent meanwhile are lost, so it reads again what it may have missed.
 */
export class DatabaseNotifications {
  private readonly handlers = new Map<string, NotificationHandler>();
  private client: pg.Client | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** From a loss until the connection is back (it then listens to every channel registered meanwhile). */
  private restoring = false;
  private closed = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly logger: Logger,
  ) {}

  /** From now on calls `handler` for the channel's notifications; the first call opens the connection. */
  async listen(channel: string, handler: NotificationHandler): Promise<void> {
    if (this.handlers.has(channel)) throw new Error(`already listening on ${channel}`);
    this.handlers.set(channel, handler);
    if (this.client) await this.client.query(`LISTEN ${channel}`);
    else if (!this.restoring) await this.connect(RECONNECT_MIN_MS);
  }

  /** Calls the channel's handler no more (the module stopped; the connection closes with the instance). */
  stopListening(channel: string): void {
    this.handlers.delete(channel);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.handlers.clear();
    await this.client?.end().catch(() => undefined);
  }

  private async connect(nextDelayMs: number): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: NOTIFICATIONS_APPLICATION_NAME });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost || this.closed) return;
      lost = true;
      this.client = undefined;
      this.restoring = true;
      this.logger.warn({ err: error }, 'notification connection lost; reconnecting');
      client.end().catch(() => undefined);
      this.retryTimer = setTimeout(() => void this.reconnect(nextDelayMs), nextDelayMs);
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', ({ channel, payload }) => this.handlers.get(channel)?.(payload));
    try {
      await client.connect();
      // One round trip for every channel (the simple query protocol runs several statements).
      await client.query([...this.handlers.keys()].map((channel) => `LISTEN ${channel}`).join('; '));
    } catch (error) {
      lost = true;
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
  }

  private async reconnect(delayMs: number): Promise<void> {
    if (this.closed) return;
    try {
      await this.connect(RECONNECT_MIN_MS);
      this.restoring = false;
      for (const handler of [...this.handlers.values()]) handler();
    } catch (error) {
      this.logger.warn({ err: error }, 'notification connection failed; retrying');
      const next = Math.min(delayMs * 2, RECONNECT_MAX_MS);
      this.retryTimer = setTimeout(() => void this.reconnect(next), next);
    }
  }
}
