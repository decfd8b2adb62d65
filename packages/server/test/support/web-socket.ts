import WebSocket from 'ws';
import type { Credential } from './test-server.js';

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
