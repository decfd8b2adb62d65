import pg from 'pg';
import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';
import type { Logger } from '../logging/logger.js';

/** The PostgreSQL channel that wakes event readers; its notifications carry each event's notice (`event-notice.ts`). */
export const EVENTS_CHANNEL = 'certificate_events';

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

/**
 * Tells event readers that new events may have been committed. Readers read the outbox after the last
 * position they have, so a lost or repeated wake-up costs a read, never an event; a notice that
 * carries the next event saves them the read.
 */
export interface EventWakeup {
  /**
   * From now on calls `wake` after every commit that recorded events: with each event's notice where
   * notifications carry it, without a payload after any reconnection.
   */
  start(wake: (payload?: string) => void): Promise<void>;
  /**
   * The channel the outbox's recording statement sends each event's notice on with `pg_notify` (in
   * the same round trip); null when wake-ups stay in the process.
   */
  readonly notifyChannel: string | null;
  /** Called by the outbox inside the transaction that records an event. */
  recorded(manager: EntityManager): Promise<void>;
  close(): Promise<void>;
}

/**
 * PostgreSQL LISTEN/NOTIFY on a dedicated connection: NOTIFY is sent inside the recording transaction,
 * and PostgreSQL delivers it at commit (never on rollback) to every instance on the same database.
 * Another channel can be listened to the same way (rotation progress): `wake` gets each notification's payload.
 */
export class PostgresNotifyWakeup implements EventWakeup {
  private client: pg.Client | undefined;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly databaseUrl: string,
    private readonly logger: Logger,
    private readonly channel: string = EVENTS_CHANNEL,
  ) {}

  async start(wake: (payload?: string) => void): Promise<void> {
    await this.connect(wake, RECONNECT_MIN_MS);
  }

  get notifyChannel(): string {
    return this.channel;
  }

  // The outbox's statement has sent the NOTIFY already.
  async recorded(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(wake: (payload?: string) => void, nextDelayMs: number): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: 'backup-applications-manager events' });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost || this.closed) return;
      lost = true;
      this.logger.warn({ err: error }, 'event notification connection lost; reconnecting');
      client.end().catch(() => undefined);
      this.retryTimer = setTimeout(() => void this.reconnect(wake, nextDelayMs), nextDelayMs);
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => wake(message.payload));
    await client.connect();
    await client.query(`LISTEN ${this.channel}`);
    this.client = client;
  }

  private async reconnect(wake: (payload?: string) => void, delayMs: number): Promise<void> {
    if (this.closed) return;
    try {
      await this.connect(wake, RECONNECT_MIN_MS);
      // Events committed while nobody listened are in the outbox: read them now.
      wake();
    } catch (error) {
      this.logger.warn({ err: error }, 'event notification connection failed; retrying');
      const next = Math.min(delayMs * 2, RECONNECT_MAX_MS);
      this.retryTimer = setTimeout(() => void this.reconnect(wake, next), next);
    }
  }
}

/**
 * The embedded database: one process owns it (the data folder lock), and its NOTIFY does not cross
 * socket connections, so wake-ups stay in the process — sent when a transaction that recorded an
 * event has committed (TypeORM's after-commit hook), never on rollback.
 */
export class InProcessWakeup implements EventWakeup {
  readonly notifyChannel = null;
  private readonly pending = new WeakSet<QueryRunner>();
  private wake: (() => void) | undefined;
  private readonly subscriber: EntitySubscriberInterface;

  constructor(private readonly dataSource: DataSource) {
    this.subscriber = {
      afterTransactionCommit: ({ queryRunner }) => {
        // A released savepoint is not a commit: wait for the outermost transaction.
        if (queryRunner.isTransactionActive || !this.pending.has(queryRunner)) return;
        this.pending.delete(queryRunner);
        this.wake?.();
      },
      afterTransactionRollback: ({ queryRunner }) => {
        if (!queryRunner.isTransactionActive) this.pending.delete(queryRunner);
      },
    };
  }

  async start(wake: () => void): Promise<void> {
    this.wake = wake;
    this.dataSource.subscribers.push(this.subscriber);
  }

  // No notices: an event recorded in a savepoint that was rolled back would be delivered. The read finds what committed.
  async recorded(manager: EntityManager): Promise<void> {
    if (manager.queryRunner) this.pending.add(manager.queryRunner);
  }

  async close(): Promise<void> {
    const index = this.dataSource.subscribers.indexOf(this.subscriber);
    if (index >= 0) this.dataSource.subscribers.splice(index, 1);
    this.wake = undefined;
  }
}
