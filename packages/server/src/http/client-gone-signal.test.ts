import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { clientGoneSignal } from './client-gone-signal.js';

let server: http.Server | undefined;

afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

/** A server that hands each request's signal to the test and answers only when `answer` says so. */
async function serve(answer: boolean): Promise<{ url: string; signals: AbortSignal[] }> {
  const signals: AbortSignal[] = [];
  server = http.createServer((_request, response) => {
    signals.push(clientGoneSignal(response));
    if (answer) response.end('done');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, signals };
}

it('aborts when the client goes away before the response is sent', async () => {
  const { url, signals } = await serve(false);
  const controller = new AbortController();
  const request = fetch(url, { signal: controller.signal }).catch(() => undefined);
  await expect.poll(() => signals.length).toBe(1);
  controller.abort();
  await request;
  await expect.poll(() => signals[0]!.aborted).toBe(true);
});

it('stays quiet once the response is complete', async () => {
  const { url, signals } = await serve(true);
  expect(await (await fetch(url, { headers: { connection: 'close' } })).text()).toBe('done');
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(signals[0]!.aborted).toBe(false);
});
