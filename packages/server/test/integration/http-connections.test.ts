import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { useTestServer } from '../support/test-server.js';

const server = useTestServer({ clearBeforeEach: false });

/** A raw keep-alive connection: it shows when the server, not a client pool, closes the socket. */
function openConnection(url: string) {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  let received = '';
  let closed = false;
  socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
  socket.on('close', () => (closed = true));
  return {
    get closed() {
      return closed;
    },
    async get(path: string): Promise<string> {
      received = '';
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: keep-alive\r\n\r\n`);
      await expect.poll(() => received, { timeout: 10_000 }).toMatch(/\r\n\r\n\{.*\}$/s);
      return received;
    },
    close: () => socket.destroy(),
  };
}

it('keeps an idle connection open longer than a load balancer does, so a proxy never reuses a closed one', async () => {
  const connection = openConnection(server.url);
  try {
    const first = await connection.get('/healthz');
    expect(first).toMatch(/^HTTP\/1\.1 200/);
    // Reverse proxies keep idle upstream connections for 60 s (AWS ALB, nginx): the server must outlast them.
    expect(first).toMatch(/\r\nKeep-Alive: timeout=65\r\n/i);
    // Node's default closes after 5 s; a proxy or client reusing the connection then gets ECONNRESET.
    await sleep(6_000);
    expect(connection.closed).toBe(false);
    expect(await connection.get('/healthz')).toMatch(/^HTTP\/1\.1 200/);
  } finally {
    connection.close();
  }
}, 30_000);
