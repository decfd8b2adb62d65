import type http from 'node:http';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { type ExecutionArgs, type ExecutionResult, getOperationAST, type GraphQLError, type GraphQLSchema } from 'graphql';
import type { Context, Disposable } from 'graphql-ws';
import type { Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Actor } from '../common/actor.js';
import type { InFlightEntry, InFlightWork } from '../common/in-flight-work.js';
import type { Logger } from '../logging/logger.js';
import { formatGraphQLError } from './apollo-plugins.js';
import { noOperationToRun } from './http-operation-guard.js';
import { operationLabel, shuttingDownError } from './in-flight-operations.js';
import { sendMessage, serveGraphQLWs } from './graphql-ws-transport.js';
import type { RequestContext } from './request-context.js';
import { sharedSubscriptionExecution, type Subscriber } from './shared-subscription-execution.js';
import { unstorableTextInVariables } from './storable-text-input.js';
import { validatedDocuments, withCode } from './validated-documents.js';
import { nullVariableWhereRequired, withoutSubmittedValues } from './variable-errors.js';

const MESSAGE_END = Buffer.from('}');

type SocketContext = Context<Record<string, unknown> | undefined, Extra>;

/** Who a socket acts as: checked at `connection_init` and again before every operation. */
export interface WebSocketAuthentication {
  /** Accepts the socket, or closes it with the close code that says why and returns false. */
  onConnect(context: SocketContext): Promise<boolean>;
  /** Errors when the socket's credential has ended meanwhile (the socket is then closed). */
  onSubscribe(context: SocketContext): Promise<readonly GraphQLError[] | undefined>;
  actorOf(context: SocketContext): Actor;
}

export interface GraphQLWebSocketOptions {
  httpServer: http.Server;
  path: string;
  schema: GraphQLSchema;
  authentication: WebSocketAuthentication;
  createRequestContext(request: Omit<RequestContext, 'loaders' | 'services'>): RequestContext;
  logger: Logger;
  /** Largest message accepted, in bytes; a larger one closes the socket (1009), as HTTP refuses larger bodies. */
  maxPayload: number;
  /** Whether the upgrade request's page (its `Origin`; none for clients that are not browsers) may open a socket. */
  acceptsOrigin(request: http.IncomingMessage): boolean;
  /** Where queries and mutations under way are registered, for a stopping server to wait for. */
  inFlight: InFlightWork;
  /** true once the server is stopping: new sockets and operations are refused (subscriptions already open go on). */
  isDraining(): boolean;
}

/**
 * Serves GraphQL over WebSocket (graphql-ws protocol) under the rules of the HTTP endpoint: the
 * `Origin` check (browsers let any page open a WebSocket, and CORS does not apply), the same size
 * limit, operation limits and error formatting, and a context signal aborted when the operation
 * completes or the socket closes.
 */
export function serveGraphQLOverWebSocket(options: GraphQLWebSocketOptions): Disposable {
  const { httpServer, path, schema, authentication, createRequestContext, logger, maxPayload, acceptsOrigin, inFlight, isDraining } = options;
  const webSocketServer = new WebSocketServer({
    server: httpServer,
    path,
    maxPayload,
    verifyClient: ({ req }, accept) => {
      if (isDraining()) return accept(false, 503, 'Service Unavailable');
      return acceptsOrigin(req) ? accept(true) : accept(false, 403, 'Forbidden');
    },
  });
  const format = formatGraphQLError(logger);
  const formatErrors = (errors: readonly GraphQLError[]) =>
    errors.map((error) => withCode(error, ApolloServerErrorCode.INTERNAL_SERVER_ERROR)).map((error) => format(error.toJSON(), error));

  // Per socket, each running operation's abort controller and (queries and mutations) in-flight entry, by operation id.
  const running = new WeakMap<object, Map<string, { controller: AbortController; inFlight?: InFlightEntry }>>();
  const finish = (socketContext: object, id: string) => {
    const operation = running.get(socketContext)?.get(id);
    operation?.controller.abort();
    operation?.inFlight?.end();
    running.get(socketContext)?.delete(id);
  };

  const documentOf = validatedDocuments(schema);
  const formatted = (result: ExecutionResult) => (result.errors ? { ...result, errors: formatErrors(result.errors) } : undefined);
  // graphql-js' result for an operation it refused to execute words refused variables with their values.
  const formattedOutcome = (result: ExecutionResult, args: ExecutionArgs) => formatted(withoutSubmittedValues(result, args));

  // Per operation (by its context value): who may share its results, and its socket.
  const subscribers = new WeakMap<object, Subscriber>();
  const subscribe = sharedSubscriptionExecution(
    (args) => {
      const subscriber = args.contextValue ? subscribers.get(args.contextValue) : undefined;
      if (!subscriber) throw new Error('A subscription started without its operation.');
      return subscriber;
    },
    (result) => Buffer.from(JSON.stringify(formatted(result) ?? result)),
  );

  return serveGraphQLWs<Record<string, unknown> | undefined>(
    {
      schema,
      subscribe,
      onConnect: (socketContext) => authentication.onConnect(socketContext),
      async onSubscribe(socketContext, id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> {
        if (isDraining()) return [shuttingDownError()];
        const refused = await authentication.onSubscribe(socketContext);
        if (refused) return refused;
        const { document, errors } = documentOf(payload.query);
        if (errors) return errors;
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) {
          return [noOperationToRun()];
        }
        const unstorable = unstorableTextInVariables(operation, payload.variables);
        if (unstorable) return [unstorable];
        const nullWhereRequired = nullVariableWhereRequired(schema, document, operation, payload.variables);
        if (nullWhereRequired) return [nullWhereRequired];
        const controller = new AbortController();
        // A subscription runs until the socket closes; a stopping server waits for queries and mutations only.
        const entry = operation.operation === 'subscription' ? undefined : inFlight.begin(operationLabel(operation));
        const operations = running.get(socketContext) ?? new Map<string, { controller: AbortController; inFlight?: InFlightEntry }>();
        running.set(socketContext, operations.set(id, { controller, inFlight: entry }));
        const actor = authentication.actorOf(socketContext);
        const contextValue = createRequestContext({ actor, signal: controller.signal });
        // A `next` message as graphql-ws writes it, around the payload shared by the operation's subscribers
        // (bytes: the socket then writes them as they are, where a string is encoded for every socket).
        const opening = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
        const socket = socketContext.extra.socket;
        subscribers.set(contextValue, {
          sharingKey: JSON.stringify([payload.query, payload.operationName ?? null, payload.variables ?? null, actor.role]),
          deliver: (result) => sendMessage(socket, Buffer.concat([opening, result, MESSAGE_END])),
        });
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
      },
      // Results of queries and mutations, and of a subscription that failed to start (the events' go to `deliver`).
      onNext: (_socketContext, _id, _payload, args, result) => formattedOutcome(result, args),
      onError: (_socketContext, _id, _payload, errors) => formatErrors(errors),
      onComplete: (socketContext, id) => finish(socketContext, id),
      onClose(socketContext) {
        for (const id of running.get(socketContext)?.keys() ?? []) finish(socketContext, id);
      },
    },
    webSocketServer,
    logger,
  );
}
