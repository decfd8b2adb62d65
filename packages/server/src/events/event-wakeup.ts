import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';
import type { DatabaseNotifications } from '../database/database-notifications.js';

/** The PostgreSQL channel that wakes event readers; its notifications carry each event's notice (`event-notice.ts`). */
export const EVENTS_CHANNEL = 'certificate_events';

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
 * PostgreSQL LISTEN/NOTIFY (the instance's notification connection): NOTIFY is sent inside the
 * recording transaction, and PostgreSQL delivers it at commit (never on rollback) to every instance on
 * the same database. After the connection was lost, `wake` is called without a payload.
 */
export class PostgresNotifyWakeup implements EventWakeup {
  readonly notifyChannel = EVENTS_CHANNEL;

  constructor(private readonly notifications: DatabaseNotifications) {}

  async start(wake: (payload?: string) => void): Promise<void> {
    await this.notifications.listen(EVENTS_CHANNEL, wake);
  }

  // The outbox's statement has sent the NOTIFY already.
  async recorded(): Promise<void> {}

  async close(): Promise<void> {
    this.notifications.stopListening(EVENTS_CHANNEL);
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
