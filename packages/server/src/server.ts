import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { GRAPHQL_REQUEST_MAX_BYTES } from '@bam/shared';
import express from 'express';
import { type App, buildAppSchema, openApp } from './app.js';
import { authenticateHttpRequest, httpAuthentication, httpCallerOf } from './auth/http-authentication.js';
import { webSocketAuthentication } from './auth/web-socket-authentication.js';
import type { Clock } from './common/clock.js';
import type { RetryBackoff } from './common/retry-backoff.js';
import { type InFlightEntry, InFlightWork } from './common/in-flight-work.js';
import { OperatorError, onSettingPath } from './common/operator-error.js';
import type { Config } from './config/config.js';
import type { Database } from './database/database.js';
import type { Services } from './domain-module.js';
import { loadDemoDataIfEmpty, suggestDemoDataWhenEmpty } from './demo/demo-data.js';
import { eventPositionExtension } from './events/event-position-extension.js';
import { formatGraphQLError, operationLogPlugin } from './graphql/apollo-plugins.js';
import { inFlightOperationNames } from './graphql/in-flight-operations.js';
import { compiledExecutionGateway } from './graphql/compiled-execution.js';
import { httpOperationGuard } from './graphql/http-operation-guard.js';
import { operationValidationRules, parseOptions } from './graphql/operation-limits.js';
import { storableTextPlugin } from './graphql/storable-text-input.js';
import { literalFreeValidationPlugin } from './graphql/validated-documents.js';
import { anonymousIntrospectionGuard } from './graphql/introspection-guard.js';
import type { RequestContext } from './graphql/request-context.js';
import { serveGraphQLOverWebSocket } from './graphql/websocket-server.js';
import { clientGoneSignal } from './http/client-gone-signal.js';
import { Draining } from './http/draining.js';
import { errorHandler } from './http/error-handler.js';
import { multipartUpload } from './http/multipart-upload.js';
import { requestIds } from './http/request-id.js';
import { corsForAllowedOrigins, isAllowedOrigin } from './http/origin-policy.js';
import { securityHeaders } from './http/security-headers.js';
import { responseCompression } from './http/response-compression.js';
import { serverRenderedConsole } from './http/server-rendered-console.js';
import { clientAddress, requestedHost, trustedProxies } from './http/trusted-proxies.js';
import { webConsoleRouter } from './http/web-console.js';
import { runWithLogContext } from './logging/log-context.js';
import type { Logger } from './logging/logger.js';
import { gracefulShutdown } from './server-shutdown.js';

export const GRAPHQL_PATH = '/graphql';

/** Longer than the idle timeout of the proxies in front of the server, so they close first. */
const HTTP_KEEP_ALIVE_TIMEOUT_MS = 65_000;

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:4000`. */
  url: string;
  port: number;
  database: Database;
  /** The modules' services, for launchers and tests that act as the server itself would. */
  services: Services;
  /**
   * Refuses new work, waits up to SHUTDOWN_TIMEOUT_SECONDS for in-flight operations and background work,
   * closes connections, then closes the database. Resolves with whether everything finished in time
   * (false: what was cut is logged). Safe to call twice.
   */
  stop(): Promise<boolean>;
}

export interface StartOptions {
  /** Runs on the opened app before anything is served, instead of the DEMO_DATA loading: the offline demo connects its tenants here. */
  prepare?: (app: App) => Promise<void>;
  /** The clock of time-dependent rules (the expiry monitor); the system clock unless a test moves its own. */
  clock?: Clock;
  /** false: no periodic look for rotations whose lease ran out (tests that write unfinished rotations themselves). */
  rotationLeaseSweep?: boolean;
  /** When a rotation step Entra could not take is tried again; the product's timing unless a test waits for it. */
  rotationRetry?: RetryBackoff;
}

/** Opens the database, then serves the GraphQL API (HTTP and WebSocket), the console and the playground. */
export async function startServer(config: Config, logger: Logger, options: StartOptions = {}): Promise<RunningServer> {
  if (config.webDistDirRequired) await requireFolder('WEB_DIST_DIR', config.webDistDir);
  let stop: (() => Promise<boolean>) | undefined;
  const app: App = await openApp(
    config,
    logger,
    (error) => {
      logger.fatal({ err: error }, 'lost the data folder lock; stopping to protect the database');
      process.exitCode = 1;
      void stop?.();
    },
    { clock: options.clock, rotationRetry: options.rotationRetry },
  );
  const { database, services, createRequestContext } = app;

  try {
    await services.authentication.createFirstAccounts(config.demoData);
    if (options.prepare) await options.prepare(app);
    else if (config.demoData) await loadDemoDataIfEmpty(database.dataSource, services.certificateStore, logger);
    else await suggestDemoDataWhenEmpty(database.dataSource, logger);
    const schema = await buildAppSchema(services);

    const web = express();
    web.disable('x-powered-by');
    // No ETag on API answers: nothing revalidates a POST, and hashing every answer (150 KB for a list
    // page) costs CPU. Static files keep theirs (express.static sets its own).
    web.set('etag', false);
    // One compiled TRUST_PROXY for Express (request.ip, request.secure) and the WebSocket upgrades it never sees.
    const trusted = trustedProxies(config.trustProxy);
    web.set('trust proxy', trusted);
    web.use(requestIds((requestId, handle) => runWithLogContext({ requestId }, handle)));
    web.use(securityHeaders());
    const httpServer = http.createServer(web);
    // Node closes idle connections after 5 s; reverse proxies keep theirs for 60 s (AWS ALB, nginx) and
    // clients reuse them on a slow machine late: a request sent as the server closes fails with ECONNRESET.
    httpServer.keepAliveTimeout = HTTP_KEEP_ALIVE_TIMEOUT_MS;
    httpServer.headersTimeout = HTTP_KEEP_ALIVE_TIMEOUT_MS + 1000;
    // Requests and GraphQL operations (HTTP and WebSocket) under way, which a stopping server waits for.
    const inFlight = new InFlightWork();
    const draining = new Draining(inFlight);
    // The in-flight entry of each HTTP GraphQL request, to be named after its operation. Keyed by the
    // request's signal: Apollo hands plugins a shallow copy of the context, which keeps that object.
    const inFlightEntries = new WeakMap<AbortSignal, InFlightEntry>();

    const webSockets = serveGraphQLOverWebSocket({
      httpServer,
      path: GRAPHQL_PATH,
      schema,
      authentication: webSocketAuthentication(services.authentication, services.credentialSockets, (request) => clientAddress(request, trusted)),
      createRequestContext,
      logger,
      maxPayload: GRAPHQL_REQUEST_MAX_BYTES,
      acceptsOrigin: (request) => isAllowedOrigin(request.headers.origin, requestedHost(request, trusted), config.allowedOrigins),
      inFlight,
      isDraining: () => draining.active,
    });

    const apollo = new ApolloServer<RequestContext>({
      gateway: compiledExecutionGateway(schema),
      // Apollo's own lines (an unexpected failure while processing a request) in the JSON log, not on the console.
      logger: logger.child({ component: 'apollo' }),
      introspection: true,
      includeStacktraceInErrorResponses: false,
      formatError: formatGraphQLError(logger),
      parseOptions,
      validationRules: [...operationValidationRules],
      stopOnTerminationSignals: false,
      plugins: [
        ApolloServerPluginLandingPageDisabled(),
        // No cache hints are used; the cache-control plugin would only cost throughput.
        ApolloServerPluginCacheControlDisabled(),
        operationLogPlugin(logger.child({ component: 'graphql' })),
        anonymousIntrospectionGuard(),
        storableTextPlugin(),
        // After the text check: of refusals at the same step the first plugin's is answered, and INVALID_INPUT says more.
        httpOperationGuard(),
        literalFreeValidationPlugin(),
        inFlightOperationNames<RequestContext>((context) => inFlightEntries.get(context.signal)),
        eventPositionExtension(services.certificateEvents),
      ],
    });
    await apollo.start();

    web.get('/healthz', async (_request, response) => {
      // A stopping instance leaves the load balancer's rotation before it closes.
      if (draining.active) return void response.status(503).json({ status: 'draining', database: database.kind });
      try {
        await database.dataSource.query('SELECT 1');
        response.json({ status: 'ok', database: database.kind });
      } catch {
        response.status(503).json({ status: 'unavailable', database: database.kind });
      }
    });
    web.use(draining.requests());
    // A browser opening the API URL gets the playground instead of an error.
    web.get(GRAPHQL_PATH, (request, response, next) => {
      if (request.accepts(['json', 'html']) === 'html' && !request.query.query) return response.redirect('/playground');
      next();
    });
    web.use(
      GRAPHQL_PATH,
      corsForAllowedOrigins(config.allowedOrigins),
      responseCompression(),
      express.json({ limit: GRAPHQL_REQUEST_MAX_BYTES }),
      httpAuthentication(services.authentication),
      multipartUpload({ maxFileBytes: config.pfxMaxBytes }),
      expressMiddleware(apollo, {
        context: async ({ res }) => {
          const signal = clientGoneSignal(res);
          inFlightEntries.set(signal, res.locals.inFlight as InFlightEntry);
          return createRequestContext({ ...httpCallerOf(res), signal });
        },
      }),
    );
    web.use(
      webConsoleRouter(
        config.webDistDir,
        serverRenderedConsole({
          webDistDir: config.webDistDir,
          logger: logger.child({ component: 'web-console' }),
          // The first view's queries, with the caller and the request context the HTTP API builds.
          async signedInCaller(request, response) {
            const caller = await authenticateHttpRequest(services.authentication, request, response);
            return caller.actor.role === null || caller.actor.mustChangePassword ? null : caller;
          },
          async run(caller, response, operations) {
            const signal = clientGoneSignal(response);
            const results = await Promise.all(
              operations.map((operation) => apollo.executeOperation(operation, { contextValue: createRequestContext({ ...caller, signal }) })),
            );
            // These queries use no @defer: an incremental answer would be a surprise, not rendered.
            return results.map(({ body }) => (body.kind === 'single' ? body.singleResult : { errors: ['unexpected incremental answer'] }));
          },
        }),
      ),
    );
    web.use(errorHandler(logger.child({ component: 'http' })));

    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', (error) => reject(listenError(error, config)));
      httpServer.listen(config.port, config.host, () => resolve());
    });
    try {
      await services.authentication.createOneTimeAdministratorIfNone();
    } catch (error) {
      httpServer.close();
      throw error;
    }
    const { port } = httpServer.address() as AddressInfo;
    const displayHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    const url = `http://${displayHost.includes(':') ? `[${displayHost}]` : displayHost}:${port}`;
    logger.info({ url, graphql: `${url}${GRAPHQL_PATH}`, playground: `${url}/playground`, database: database.kind }, 'server started');
    services.expiryCheckSchedule?.start();
    services.webhookDelivery.start();
    if (options.rotationLeaseSweep ?? true) services.certificateRotation.startLeaseSweep();

    stop = gracefulShutdown({ app, httpServer, webSockets, apollo, inFlight, draining, logger, timeoutMs: config.shutdownTimeoutMs });
    return { url, port, database, services, stop };
  } catch (error) {
    await app.close();
    throw error;
  }
}

async function requireFolder(setting: string, folder: string): Promise<void> {
  const stat = await onSettingPath(setting, folder, 'read', fs.stat(folder));
  if (!stat.isDirectory()) throw new OperatorError(setting, `${folder} is a file, not a folder`);
}

/** Why the HTTP server could not listen, naming the setting to change when it is one. */
function listenError(error: NodeJS.ErrnoException, { host, port }: Config): Error {
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (error.code === 'EADDRINUSE') return new OperatorError('PORT', `${address} is in use by another process`, { cause: error });
  if (error.code === 'EACCES')
    return new OperatorError('PORT', `not allowed to listen on ${address} (ports below 1024 need privileges)`, { cause: error });
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
    return new OperatorError('HOST', `${host} is not an address of this machine`, { cause: error });
  return error;
}
