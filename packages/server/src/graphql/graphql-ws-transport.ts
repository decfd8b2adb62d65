import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { CloseCode, handleProtocols, makeServer, type Disposable, type ServerOptions } from 'graphql-ws';
import type { Extra } from 'graphql-ws/use/ws';
import type { WebSocket, WebSocketServer } from 'ws';
import { timeLimit } from '../common/time-limit.js';
import { runWithLogContext } from '../logging/log-context.js';
import type { Logger } from '../logging/logger.js';

/** Bytes a socket may have waiting to be written before a send waits for them (graphql-ws then pauses that operation). */
const SEND_BUFFER_LIMIT = 1024 * 1024;
/** Interval of the keep-alive ping; a socket that has not answered the previous one by the next is terminated. */
const KEEP_ALIVE_MS = 12_000;

/**
 * The close code of a stopping server: the server is going down. graphql-ws clients (the console's
 * feed too) take it as a reason to reconnect, which a load balancer sends to another instance.
 */
const GOING_AWAY = 1001;
/** How long a stopping server waits for peers to answer its close frame before it drops their connections. */
const CLOSE_HANDSHAKE_MS = 2_000;

/** graphql-ws messages are text frames, also when given as UTF-8 bytes. */
const TEXT = { binary: false };

/**
 * Sends a message (text, or its UTF-8 bytes) unless the socket is closing. It waits for the write (a promise) only when the socket is backed up:
 * the sender then pauses until the reader catches up.
 */
export function sendMessage(socket: WebSocket, message: string | Buffer): void | Promise<void> {
  if (socket.readyState !== socket.OPEN) return;
  if (socket.bufferedAmount < SEND_BUFFER_LIMIT) return socket.send(message, TEXT);
  return new Promise<void>((resolve, reject) => socket.send(message, TEXT, (error) => (error ? reject(error) : resolve())));
}

/**
 * graphql-ws' server (`makeServer`) on `ws` sockets, as `graphql-ws/use/ws`' `useServer` does it (same
 * subprotocol check, keep-alive pings, close codes), except for how a message is sent: `useServer` waits
 * for every write to complete, one promise and write callback per message and subscriber; here a send
 * waits only when the socket is backed up, which keeps a slow reader's subscriptions paused as before.
 * Each operation (a `subscribe` message) is handled under a request id of its own, as an HTTP request is:
 * on every log line written meanwhile, and in the `extensions.requestId` of an INTERNAL_ERROR.
 */
export function serveGraphQLWs<P extends Record<string, unknown> | undefined>(
  options: ServerOptions<P, Extra>,
  webSocketServer: WebSocketServer,
  logger: Logger,
): Disposable {
  const server = makeServer(options);
  webSocketServer.options.handleProtocols = handleProtocols;
  webSocketServer.once('error', (error: NodeJS.ErrnoException) => {
    // The HTTP server's errors come here too: one while it starts listening is for its starter to report (a PORT in use).
    if (error.syscall === 'listen') return;
    logger.error({ err: error }, 'the WebSocket server failed');
    for (const socket of webSocketServer.clients) socket.close(CloseCode.InternalServerError, 'Internal server error');
  });

  webSocketServer.on('connection', (socket: WebSocket, request: http.IncomingMessage) => {
    socket.once('error', (error) => {
      logger.warn({ err: error }, 'a WebSocket failed');
      socket.close(CloseCode.InternalServerError, 'Internal server error');
    });
    let answered = true;
    socket.on('pong', () => (answered = true));
    const keepAlive = setInterval(() => {
      if (!answered) return socket.terminate();
      answered = false;
      socket.ping();
    }, KEEP_ALIVE_MS);

    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => sendMessage(socket, data),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (data) => {
            // Each message under an id of its own: a `subscribe` one is an operation, like an HTTP request.
            runWithLogContext({ requestId: randomUUID() }, () => handle(String(data))).catch((error: unknown) => {
              logger.error({ err: error }, 'handling a WebSocket message failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      { socket, request },
    );
    socket.once('close', (code, reason) => {
      clearInterval(keepAlive);
      void closed(code, String(reason));
    });
  });

  return {
    async dispose() {
      const sockets = [...webSocketServer.clients];
      const closed = Promise.all(sockets.map((socket) => new Promise((resolve) => socket.once('close', resolve))));
      for (const socket of sockets) socket.close(GOING_AWAY, 'Going away');
      // A peer that never answers the close frame (gone from the network) would hold the stop for ws' 30 s.
      const handshake = timeLimit(CLOSE_HANDSHAKE_MS);
      if (!(await handshake.before(closed))) for (const socket of webSocketServer.clients) socket.terminate();
      handshake.clear();
      webSocketServer.removeAllListeners();
      await new Promise<void>((resolve, reject) => webSocketServer.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
