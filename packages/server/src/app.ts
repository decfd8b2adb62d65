import type { GraphQLSchema } from 'graphql';
import { applicationsModule } from './applications/applications.module.js';
import { auditModule } from './audit/audit.module.js';
import { authModule } from './auth/auth.module.js';
import { certificatesModule } from './certificates/certificates.module.js';
import { type Clock, systemClock } from './common/clock.js';
import type { RetryBackoff } from './common/retry-backoff.js';
import type { TimeLimit } from './common/time-limit.js';
import type { Config } from './config/config.js';
import { DatabaseNotifications } from './database/database-notifications.js';
import { type Database, openDatabase, type Persistence } from './database/database.js';
import { migrations as schemaHistory } from './database/migrations.js';
import type { DomainModule, ResolverClass, Services } from './domain-module.js';
import { buildApiSchema } from './graphql/build-schema.js';
import type { Loaders, RequestContext } from './graphql/request-context.js';
import { entraModule } from './entra/entra.module.js';
import { eventsModule } from './events/events.module.js';
import { expiryModule } from './expiry/expiry.module.js';
import { keyCustodyModule } from './key-custody/key-custody.module.js';
import type { Logger } from './logging/logger.js';
import { organizationsModule } from './organizations/organizations.module.js';
import { webhooksModule } from './webhooks/webhooks.module.js';

/**
 * The composition root: every domain of the server, in the order their services are created (a
 * module may use the services of those before it). Adding a domain is one folder and one line here.
 */
export const modules: readonly DomainModule[] = [
  eventsModule,
  auditModule,
  organizationsModule,
  applicationsModule,
  keyCustodyModule,
  entraModule,
  certificatesModule,
  expiryModule,
  authModule,
  webhooksModule,
];

/** Where every module keeps values sealed with the master key. */
export const sealedColumns = modules.flatMap((module) => module.sealedColumns ?? []);

/** The server's parts, assembled from the modules, before any transport serves them. */
export interface App {
  database: Database;
  services: Services;
  /** Per-request state: the caller (see `auth/`) and the transport's abort signal, with fresh loaders of every module. */
  createRequestContext(request: Omit<RequestContext, 'loaders' | 'services'>): RequestContext;
  /**
   * Stops the modules' services in turn, waiting for their background work (rotation retries, webhook
   * attempts, expiry checks) until `deadline`: past it, the rest are still told to stop, without waiting.
   * Resolves with whether every one stopped in time. Called again, returns the first call's promise.
   */
  stopServices(deadline?: TimeLimit): Promise<boolean>;
  /** The modules whose services are still stopping: what a shutdown timeout cut. */
  servicesStopping(): string[];
  /** Stops the modules' services (after in-flight work) unless done already, then closes the database. */
  close(): Promise<void>;
}

/** Every module's entities, and the schema history with every module's migrations. */
export function appPersistence(): Persistence {
  return {
    entities: modules.flatMap((module) => module.entities ?? []),
    migrations: [...schemaHistory, ...modules.flatMap((module) => module.migrations ?? [])],
  };
}

/** Timings a test may replace; the product runs with the defaults. */
export interface AppOptions {
  /** The clock of time-dependent rules (the expiry monitor); the system clock by default. */
  clock?: Clock;
  /** When a rotation step Entra could not take is tried again; the rotation service's own timing by default. */
  rotationRetry?: RetryBackoff;
}

/** Opens the database with every module's entities and migrations, then starts every module's services. */
export async function openApp(
  config: Config,
  logger: Logger,
  onLockCompromised: (error: Error) => void,
  { clock = systemClock, rotationRetry }: AppOptions = {},
): Promise<App> {
  const database = await openDatabase(config, logger, appPersistence(), onLockCompromised);
  const { dataSource } = database;
  type Closer = { module: string; close: () => Promise<void> };
  const closers: Closer[] = [];
  // What was told to stop or is still to be, and has not finished stopping.
  const notStopped = new Set<Closer>();
  let servicesStopped: Promise<boolean> | undefined;
  const stopOne = async (closer: Closer) => {
    try {
      await closer.close();
    } catch (error) {
      // The others still stop: each may hold work that writes to the database.
      logger.error({ err: error, module: closer.module }, 'error while stopping a module');
    } finally {
      notStopped.delete(closer);
    }
  };
  const stopServices = (deadline?: TimeLimit) =>
    (servicesStopped ??= (async () => {
      const order = closers.splice(0).reverse();
      for (const closer of order) notStopped.add(closer);
      let inTime = true;
      for (const closer of order) {
        const stopping = stopOne(closer);
        if (!inTime) continue;
        if (deadline) inTime = await deadline.before(stopping);
        else await stopping;
      }
      return inTime;
    })());
  const close = async () => {
    try {
      // Not again when a shutdown gave up waiting for them: the database closes under what is cut.
      if (!servicesStopped) await stopServices();
    } finally {
      // Even after a failed step: the embedded database must flush its files and free the data folder.
      await database.close();
    }
  };

  try {
    const notifications = config.databaseUrl ? new DatabaseNotifications(config.databaseUrl, logger.child({ component: 'notifications' })) : null;
    // Closed last, after every module that listens.
    if (notifications) closers.push({ module: 'notifications', close: () => notifications.close() });
    const services = {} as Services;
    for (const module of modules) {
      Object.assign(
        services,
        await module.createServices?.({
          dataSource,
          config,
          notifications,
          logger,
          clock,
          rotationRetry,
          services,
          sealedColumns,
          onClose: (closeOne) => closers.push({ module: module.name, close: closeOne }),
        }),
      );
    }
    return {
      database,
      services,
      createRequestContext: (request) => ({
        ...request,
        services,
        loaders: Object.assign({}, ...modules.map((module) => module.createLoaders?.(dataSource))) as Loaders,
      }),
      stopServices,
      servicesStopping: () => [...new Set([...notStopped].map((closer) => closer.module))],
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The API schema from every module's resolvers. Without services it can only be printed (see `schema.graphql`). */
export function buildAppSchema(services?: Services): Promise<GraphQLSchema> {
  const classes = modules.flatMap((module) => module.resolvers ?? []);
  if (!services) return buildApiSchema({ classes });
  const instances = new Map<ResolverClass, object>(classes.map((resolverClass) => [resolverClass, new resolverClass(services)]));
  return buildApiSchema({ classes, instanceOf: (resolverClass) => instances.get(resolverClass)! });
}
