import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
}

export interface WebhookReceiver {
  url: string;
  requests: ReceivedWebhook[];
  /** Waits until at least `count` requests arrived (or throws after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

/**
 * A webhook receiver over real HTTP on the loopback. `answer` decides each response's status from
 * the request's number (1 for the first), at once or later (a promise); the default accepts everything.
 * It listens on the first of `ports` free (any free port when none are given).
 */
export async function startWebhookReceiver(
  answer: (requestNumber: number, request: ReceivedWebhook) => number | Promise<number> = () => 204,
  ports: number[] = [0],
): Promise<WebhookReceiver> {
  const requests: ReceivedWebhook[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(received);
      void Promise.resolve(answer(requests.length, received)).then((status) => {
        response.statusCode = status;
        response.end();
      });
    });
  });
  for (const [index, candidate] of ports.entries()) {
    const listening = await new Promise<boolean>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        error.code === 'EADDRINUSE' && index < ports.length - 1 ? resolve(false) : reject(error),
      );
      server.listen(candidate, '127.0.0.1', () => resolve(true));
    });
    if (listening) break;
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    requests,
    async waitFor(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        if (Date.now() > deadline) throw new Error(`the receiver got ${requests.length} of ${count} requests`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * An `answer` that keeps every request waiting until the test calls `release(status)`; requests
 * that arrive afterwards get that status at once. Lets a test see what happens while a receiver hangs.
 */
export function heldUntilReleased(): { answer: () => number | Promise<number>; release(status: number): void } {
  let released: number | undefined;
  let release: (status: number) => void = () => undefined;
  const held = new Promise<number>((resolve) => (release = resolve));
  return {
    answer: () => released ?? held,
    release(status) {
      released = status;
      release(status);
    },
  };
}

/** Polls `read` until `done` holds for its value (or throws after `timeoutMs`); returns that value. */
export async function eventually<Value>(read: () => Promise<Value>, done: (value: Value) => boolean, timeoutMs = 20_000): Promise<Value> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not reached; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
