import pg from 'pg';
import type { DataSource } from 'typeorm';

// Races between two transactions, staged with a lock the test holds from a connection of its own: PostgreSQL only (the
// embedded database has one session, so its transactions never overlap).

/** Runs a locking statement in a transaction on a connection of the test's own; its locks hold until COMMIT. */
export async function holdLock(dataSource: DataSource, statement: string, parameters: unknown[]): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: (dataSource.options as { url: string }).url });
  await client.connect();
  await client.query('BEGIN');
  await client.query(statement, parameters);
  return client;
}

/** Sessions of the database waiting for a lock now. */
export async function waitingOnLocks(dataSource: DataSource): Promise<number> {
  const rows: unknown[] = await dataSource.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
  return rows.length;
}

/** Polls until the condition holds; fails naming what it waited for. */
export async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
