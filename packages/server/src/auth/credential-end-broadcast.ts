import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { DatabaseNotifications } from '../database/database-notifications.js';
import type { Logger } from '../logging/logger.js';

/** The PostgreSQL channel on which an instance tells the others that a credential ended. */
export const CREDENTIAL_ENDED_CHANNEL = 'credential_ended';

/** A credential that ended: its key (`session:<id>`, `token:<id>`, `user:<id>`) and the close reason of its sockets. */
export interface EndedCredential {
  key: string;
  reason: string;
}

/**
 * Tells the other server instances on the same database that a credential ended, so they close its
 * sockets and forget it as the instance where it ended does. A running subscription sends no
 * operation at which its credential would be checked again: without this it would stay open.
 */
export interface CredentialEndBroadcast {
  /**
   * From now on calls `ended` for each credential another instance ends, and `missed` whenever notices
   * may have been lost (the listening connection is back after it dropped).
   */
  start(ended: (credential: EndedCredential) => void, missed: () => Promise<void>): Promise<void>;
  /** Tells the others; never rejects (the change is committed already: a failure is logged). */
  publish(credential: EndedCredential): Promise<void>;
  close(): Promise<void>;
}

interface Notice extends EndedCredential {
  /** The instance that sent it: PostgreSQL also delivers it to the sender's own listening connection. */
  from: string;
}

/**
 * PostgreSQL NOTIFY, sent once the change is committed, to every instance listening on the database
 * (on the instance's notification connection). The embedded database has
 * no other instance: it needs none.
 */
export class PostgresCredentialEndBroadcast implements CredentialEndBroadcast {
  private readonly instance = randomUUID();

  constructor(
    private readonly dataSource: DataSource,
    private readonly notifications: DatabaseNotifications,
    private readonly logger: Logger,
  ) {}

  async start(ended: (credential: EndedCredential) => void, missed: () => Promise<void>): Promise<void> {
    await this.notifications.listen(CREDENTIAL_ENDED_CHANNEL, (payload) => {
      if (payload) {
        const notice = JSON.parse(payload) as Notice;
        if (notice.from !== this.instance) ended({ key: notice.key, reason: notice.reason });
        return;
      }
      // No payload: the connection was lost and is back, and notices sent meanwhile with it.
      missed().catch((error: unknown) => this.logger.warn({ err: error }, 'could not check the open sockets’ credentials again'));
    });
  }

  async publish({ key, reason }: EndedCredential): Promise<void> {
    const notice: Notice = { from: this.instance, key, reason };
    try {
      await this.dataSource.query(`SELECT pg_notify($1, $2)`, [CREDENTIAL_ENDED_CHANNEL, JSON.stringify(notice)]);
    } catch (error) {
      this.logger.warn({ err: error, key }, 'could not tell the other instances that a credential ended');
    }
  }

  async close(): Promise<void> {
    this.notifications.stopListening(CREDENTIAL_ENDED_CHANNEL);
  }
}
