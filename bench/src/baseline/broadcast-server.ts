/**
 * The fan-out baseline: a plain `ws` server that sends one message, serialised once by the caller,
 * to every connected socket — no protocol, no per-subscriber work. `POST /broadcast` with the
 * message as its body sends it. Started as its own process by the bench; prints its port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

const server = http.createServer((request, response) => {
  if (request.method !== 'POST' || request.url !== '/broadcast') {
    response.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const message = Buffer.concat(chunks).toString('utf8');
    for (const socket of sockets.clients) socket.send(message);
    response.end(String(sockets.clients.size));
  });
});
const sockets = new WebSocketServer({ server });
server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
