import type { Logger as TypeOrmLogger } from 'typeorm';
import type { Logger } from '../logging/logger.js';

/** PostgreSQL's SQLSTATE for a duplicate key. */
const UNIQUE_VIOLATION = '23505';

/**
 * TypeORM logger that counts every SQL statement sent and writes it to the structured log at
 * `trace` level. Parameters are never logged: they can hold encrypted key material (the logger's
 * error serializer also drops them from a failed statement's error).
 * The count lets tests prove that list queries cost a constant number of statements.
 */
export class SqlStatementLogger implements TypeOrmLogger {
  #statements = 0;

  constructor(private readonly logger: Logger) {}

  /** Statements sent since the server started. */
  get statementCount(): number {
    return this.#statements;
  }

  logQuery(query: string): void {
    this.#statements += 1;
    this.logger.trace({ sql: query }, 'sql statement');
  }

  logQueryError(error: string | Error, query: string): void {
    const err = typeof error === 'string' ? new Error(error) : error;
    // A unique violation is an answer: callers turn it into a coded error (two updates of one application at once:
    // ROTATION_IN_PROGRESS). One a caller does not expect is logged where it surfaces, as an unexpected error.
    const expected = (err as { code?: unknown }).code === UNIQUE_VIOLATION;
    this.logger[expected ? 'debug' : 'warn']({ sql: query, err }, 'sql statement failed');
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ sql: query, durationMs: time }, 'slow sql statement');
  }

  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.info({ migration: message }, 'database migration');
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
    else this.logger.debug(String(message));
  }
}
