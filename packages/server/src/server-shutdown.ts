import type http from 'node:http';
import type { ApolloServer } from '@apollo/server';
import type { Disposable } from 'graphql-ws';
import type { App } from './app.js';
import type { InFlightWork } from './common/in-flight-work.js';
import { timeLimit } from './common/time-limit.js';
import type { Draining } from './http/draining.js';
import type { Logger } from './logging/logger.js';

/** What a running server is made of, in the order its stop takes them down. */
export interface ServingParts {
  app: Pick<App, 'stopServices' | 'servicesStopping' | 'close'>;
  httpServer: http.Server;
  webSockets: Disposable;
  apollo: Pick<ApolloServer<never>, 'stop'>;
  inFlight: InFlightWork;
  draining: Draining;
  logger: Logger;
  /** SHUTDOWN_TIMEOUT_SECONDS, in milliseconds. */
  timeoutMs: number;
}

/**
 * The stop of a running server: refuses new work (`/healthz` answers `draining`), waits for in-flight
 * operations, then for the background work that writes to the database — both within one shutdown
 * timeout — closes connections, then closes the database, under whatever was cut. The returned function
 * resolves with whether everything finished in time (false: what was cut is logged); calling it again
 * returns the same promise.
 */
export function gracefulShutdown({
  app,
  httpServer,
  webSockets,
  apollo,
  inFlight,
  draining,
  logger,
  timeoutMs,
}: ServingParts): () => Promise<boolean> {
  let stopping: Promise<boolean> | undefined;
  const stop = async () => {
    draining.start();
    logger.info({ timeoutSeconds: timeoutMs / 1000 }, 'stopping: refusing new work, finishing in-flight operations');
    let finished = false;
    try {
      const deadline = timeLimit(timeoutMs);
      // Requests first: they use services (the PFX workers, the progress bus) that stopping them closes.
      const operationsFinished = await deadline.before(inFlight.idle());
      const operationsCut = operationsFinished ? [] : inFlight.names();
      // Then the background work that writes to the database: rotation retries, webhook attempts, expiry checks.
      // Stopped after a cut too, so that none starts again, but only waited for until the same deadline.
      finished = (await app.stopServices(deadline)) && operationsFinished;
      deadline.clear();
      try {
        httpServer.close();
        httpServer.closeAllConnections();
        await webSockets.dispose();
        await apollo.stop();
      } finally {
        // Named once connections are closed (or failed to): what stops at once when told to after the deadline
        // (timers, listeners) is not listed.
        if (!finished) logger.error({ operations: operationsCut, background: app.servicesStopping() }, 'shutdown timeout reached: work cut');
      }
    } finally {
      // Even after a failed step: the embedded database must flush its files and free the data folder.
      await app.close();
    }
    logger.info('server stopped');
    return finished;
  };
  return () => (stopping ??= stop());
}
