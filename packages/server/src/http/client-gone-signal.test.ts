import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { ClientGoneError } from '../common/client-gone-error.js';
import { clientGoneSignal } from './client-gone-signal.js';

let server: http.Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** Serves one request with `respond`; resolves with the request's signal once the server has it. */
async function serve(respond: (response: http.ServerResponse) => void): Promise<{ url: string; signal: Promise<AbortSignal> }> {
  let received!: (signal: AbortSignal) => void;
  const signal = new Promise<AbortSignal>((resolve) => (received = resolve));
  server = http.createServer((_request, response) => {
    received(clientGoneSignal(response));
    respond(response);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, signal };
}

it('aborts when the client disconnects before the answer', async () => {
  const { url, signal } = await serve(() => {});
  const client = new AbortController();
  const request = fetch(url, { signal: client.signal }).catch(() => undefined);
  const requestSignal = await signal;
  const aborted = new Promise((resolve) => requestSignal.addEventListener('abort', resolve));
  client.abort();
  await request;
  await aborted;
  expect(requestSignal.aborted).toBe(true);
  // What work stopped by it throws: told apart from a server fault when it surfaces (formatGraphQLError).
  expect(requestSignal.reason).toBeInstanceOf(ClientGoneError);
});

it('stays unaborted once the answer was sent', async () => {
  const { url, signal } = await serve((response) => response.end('done'));
  expect(await (await fetch(url)).text()).toBe('done');
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect((await signal).aborted).toBe(false);
});
