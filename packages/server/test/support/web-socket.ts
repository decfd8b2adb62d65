import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Credential, GraphQLResponse } from './test-server.js';

/** The close code of a WebSocket to the API that presents the credential (bearer in connection_init, or cookie on the upgrade). */
export async function webSocketCloseCode(graphqlUrl: string, credential: Credential, afterOpen?: () => Promise<void>): Promise<number> {
  const socket = new WebSocket(graphqlUrl.replace('http:', 'ws:'), 'graphql-transport-ws', {
    headers: credential && 'cookie' in credential ? { cookie: credential.cookie } : {},
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  socket.once('open', () =>
    socket.send(
      JSON.stringify({
        type: 'connection_init',
        payload: credential && 'bearer' in credential ? { authorization: `Bearer ${credential.bearer}` } : {},
      }),
    ),
  );
  socket.on('message', (data) => {
    if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack') void afterOpen?.();
  });
  return closed;
}

/** A graphql-ws socket running one subscription, as an integrator's client keeps it open. */
export interface OpenSubscription {
  /** The `next` payloads received so far. */
  received: unknown[];
  /** Resolves once the server has acknowledged `connection_init` and the subscription is sent. */
  subscribed: Promise<void>;
  /** Resolves with the close code and reason, whoever closed the socket. */
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** Opens a WebSocket to the API with the credential and runs `query` (a subscription) on it. */
export function openSubscription(graphqlUrl: string, credential: Credential, query: string): OpenSubscription {
  const socket = new WebSocket(graphqlUrl.replace('http:', 'ws:'), 'graphql-transport-ws', {
    headers: credential && 'cookie' in credential ? { cookie: credential.cookie } : {},
  });
  const received: unknown[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })),
  );
  const subscribed = new Promise<void>((resolve, reject) => {
    void closed.then(({ code, reason }) => reject(new Error(`closed before the subscription started: ${code} ${reason}`)));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; payload?: unknown };
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }), () => resolve());
      } else if (message.type === 'next') received.push(message.payload);
    });
  });
  subscribed.catch(() => undefined);
  socket.once('open', () =>
    socket.send(
      JSON.stringify({
        type: 'connection_init',
        payload: credential && 'bearer' in credential ? { authorization: `Bearer ${credential.bearer}` } : {},
      }),
    ),
  );
  return { received, subscribed, closed, close: () => socket.close() };
}

/**
 * Runs one operation over graphql-ws as the bearer, on a socket of its own: its first result (a `next`
 * message), or the errors of an `error` message.
 */
export async function graphqlOverWebSocket(
  graphqlUrl: string,
  bearer: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse<unknown>> {
  const client = createClient({
    url: graphqlUrl.replace('http:', 'ws:'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${bearer}` },
  });
  try {
    return await new Promise<GraphQLResponse<unknown>>((resolve, reject) => {
      client.subscribe(
        { query, variables },
        {
          next: (result) => resolve(result as GraphQLResponse<unknown>),
          error: (error) => (Array.isArray(error) ? resolve({ errors: error as GraphQLResponse<unknown>['errors'] }) : reject(error)),
          complete: () => reject(new Error('completed without a result')),
        },
      );
    });
  } finally {
    await client.dispose();
  }
}
