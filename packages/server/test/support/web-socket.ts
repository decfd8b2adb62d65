import { randomBytes } from 'node:crypto';
import net from 'node:net';
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
  operationName?: string,
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
        { query, variables, operationName },
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

/** A WebSocket client that answers pings but never the server's close frame, as a peer that vanished mid-handshake. */
export interface UnresponsivePeer {
  /** Resolves once the server acknowledged `connection_init`. */
  acknowledged: Promise<void>;
  /** Resolves with the code of the server's close frame (the peer does not answer it). */
  closeFrame: Promise<number>;
  /** Resolves once the server ended the TCP connection. */
  ended: Promise<void>;
  destroy(): void;
}

/**
 * Speaks just enough of RFC 6455 by hand (`ws` always answers a close frame): the upgrade with the
 * cookie, `connection_init`, and a pong for every ping, so that keep-alive never ends the connection.
 */
export function openUnresponsivePeer(graphqlUrl: string, cookie: string): UnresponsivePeer {
  const url = new URL(graphqlUrl);
  const tcp = net.connect(Number(url.port), url.hostname);
  const ended = new Promise<void>((resolve) => tcp.once('close', () => resolve()));
  let onAcknowledged: () => void = () => undefined;
  let onCloseFrame: (code: number) => void = () => undefined;
  const acknowledged = new Promise<void>((resolve) => (onAcknowledged = resolve));
  const closeFrame = new Promise<number>((resolve) => (onCloseFrame = resolve));
  const send = (opcode: number, payload: Buffer) => {
    // Client frames are masked; payloads here stay under 126 bytes.
    const mask = randomBytes(4);
    const masked = Buffer.from(payload.map((byte, index) => byte ^ mask[index % 4]!));
    tcp.write(Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, masked]));
  };
  tcp.write(
    [
      `GET ${url.pathname} HTTP/1.1`,
      `Host: ${url.host}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Protocol: graphql-transport-ws',
      `Cookie: ${cookie}`,
      '',
      '',
    ].join('\r\n'),
  );
  let buffered = Buffer.alloc(0);
  let upgraded = false;
  tcp.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    if (!upgraded) {
      const headerEnd = buffered.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      if (!buffered.subarray(0, headerEnd).toString('latin1').startsWith('HTTP/1.1 101')) return void tcp.destroy();
      upgraded = true;
      buffered = buffered.subarray(headerEnd + 4);
      send(0x1, Buffer.from(JSON.stringify({ type: 'connection_init', payload: {} })));
    }
    // Server frames: unmasked, lengths of 7 bits or 16 bits (this peer receives no larger ones).
    while (buffered.length >= 2) {
      const opcode = buffered[0]! & 0x0f;
      let length = buffered[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffered.length < 4) return;
        length = buffered.readUInt16BE(2);
        offset = 4;
      }
      if (buffered.length < offset + length) return;
      const payload = buffered.subarray(offset, offset + length);
      buffered = buffered.subarray(offset + length);
      if (opcode === 0x9) send(0xa, payload);
      else if (opcode === 0x8) onCloseFrame(payload.readUInt16BE(0));
      else if (opcode === 0x1 && (JSON.parse(payload.toString('utf8')) as { type: string }).type === 'connection_ack') onAcknowledged();
    }
  });
  return { acknowledged, closeFrame, ended, destroy: () => tcp.destroy() };
}
