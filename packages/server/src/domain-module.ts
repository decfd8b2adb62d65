import type { DataSource } from 'typeorm';
import type { Clock } from './common/clock.js';
import type { RetryBackoff } from './common/retry-backoff.js';
import type { Config } from './config/config.js';
import type { DatabaseNotifications } from './database/database-notifications.js';
import type { Logger } from './logging/logger.js';

/**
 * Every domain service the server runs, by name. Each domain module adds its own services to this
 * interface (TypeScript declaration merging) and creates them in {@link DomainModule.createServices};
 * resolvers receive the whole registry in their constructor and keep what they use.
 */
export interface Services {}

/** What a module's services are built from: shared infrastructure and the services of the modules listed before it. */
export interface ModuleContext {
  dataSource: DataSource;
  config: Config;
  /** PostgreSQL's notifications between instances, on one connection; null on the embedded database, which one process owns. */
  notifications: DatabaseNotifications | null;
  logger: Logger;
  /** The current time for time-dependent rules: the system clock, or a test's. */
  clock: Clock;
  /** How soon a rotation step Entra could not take is tried again: a test's shorter timing; unset, the product's. */
  rotationRetry?: RetryBackoff;
  services: Services;
  /** Every module's stored values sealed with the master key: key custody must not replace a key they need. */
  sealedColumns: readonly SealedColumn[];
  /** Registers work to do when the server stops (after in-flight requests), in reverse order of registration. */
  onClose(close: () => Promise<void>): void;
}

/** An entity or migration class: TypeORM reads its decorators and constructs it without arguments. */
/** A table column holding the id of the master key that seals a value of the same row. */
export interface SealedColumn {
  table: string;
  masterKeyIdColumn: string;
}

export type PersistenceClass = abstract new () => object;

/** A resolver class: type-graphql reads its decorators; the root constructs it with the services registry. */
export type ResolverClass = new (services: Services) => object;

/**
 * One domain of the server, declared in its own `<domain>.module.ts`: what it persists, what it adds
 * to the API, the services it runs and the per-request loaders its resolvers use. The composition
 * root (`app.ts`) lists the modules; nothing else needs to know a domain exists.
 */
export interface DomainModule {
  readonly name: string;
  /** TypeORM entities the module persists. */
  readonly entities?: readonly PersistenceClass[];
  /** TypeORM migrations the module adds to the schema history (run in timestamp order across modules). */
  readonly migrations?: readonly PersistenceClass[];
  /** type-graphql resolver classes; each is constructed once with the {@link Services} registry. */
  readonly resolvers?: readonly ResolverClass[];
  /** Columns naming the master key of values the module seals (private keys, signing secrets). */
  readonly sealedColumns?: readonly SealedColumn[];
  /** Creates the module's services; they join the registry for the modules after it and every resolver. */
  createServices?(context: ModuleContext): Partial<Services> | Promise<Partial<Services>>;
  /** Creates the module's loaders for one request (see `RequestContext`). */
  createLoaders?(dataSource: DataSource): object;
}
