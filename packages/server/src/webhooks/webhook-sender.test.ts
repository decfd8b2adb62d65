import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sendWebhook, type WebhookRequest } from './webhook-sender.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A receiver on the loopback answering each request with `answer`; returns its URL. */
async function receiver(answer: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(answer);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
}

const delivery = (url: string, timeoutMs = 5_000): WebhookRequest => ({
  url,
  secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
  messageId: 'event-1',
  body: '{"id":"event-1"}',
  timeoutMs,
});

describe('sendWebhook', () => {
  it('delivers on a 2xx answer', async () => {
    const url = await receiver((_request, response) => response.writeHead(204).end());
    expect(await sendWebhook(delivery(url))).toEqual({ delivered: true, httpStatus: 204, error: null });
  });

  it('does not follow a redirect: the 3xx is a failed attempt and the other address is never called', async () => {
    let elsewhereCalled = false;
    const elsewhere = await receiver((_request, response) => {
      elsewhereCalled = true;
      response.writeHead(204).end();
    });
    const url = await receiver((_request, response) => response.writeHead(302, { location: elsewhere }).end());
    expect(await sendWebhook(delivery(url))).toEqual({ delivered: false, httpStatus: 302, error: 'HTTP 302: redirect not followed' });
    expect(elsewhereCalled).toBe(false);
  });

  it('names the status of another answer, and the network error when nothing listens', async () => {
    const url = await receiver((_request, response) => response.writeHead(503).end('busy'));
    expect(await sendWebhook(delivery(url))).toEqual({ delivered: false, httpStatus: 503, error: 'HTTP 503: Service Unavailable' });
    const closed = await receiver(() => undefined);
    await new Promise((resolve) => servers.pop()!.close(resolve));
    expect(await sendWebhook(delivery(closed))).toMatchObject({ delivered: false, httpStatus: null, error: expect.stringContaining('ECONNREFUSED') });
  });

  it('gives up on a receiver that does not answer within the time limit', async () => {
    const url = await receiver(() => undefined);
    expect(await sendWebhook(delivery(url, 200))).toEqual({ delivered: false, httpStatus: null, error: 'no answer within 200 ms' });
  });
});
