import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoAccounts } from '../../packages/server/src/demo/demo-accounts.js';
import type { ServerProcess } from '../../packages/server/test/support/server-process.js';
import { launchChromium } from '../support/browser.js';
import { ConsolePage } from '../support/console-page.js';
import { spawnConsoleServer } from '../support/console-server.js';

/**
 * An administrator is signed in to the console when a page of another origin, in the same browser,
 * tries to use the API over HTTP (with and without a CORS preflight) and over WebSocket. Every attempt
 * must fail, and nothing may change.
 */
let server: ServerProcess;
let stopServer: () => Promise<void>;
let baseUrl: string;
let browser: Browser;
let attacker: http.Server;
let attackerUrl: string;

/** The other origin's page: it sends the request in its URL's fragment (a removal) through the victim's browser. */
function attackPage(apiUrl: string): string {
  return `<!doctype html><html><body><script>
  const api = ${JSON.stringify(apiUrl)};
  const body = decodeURIComponent(location.hash.slice(1));
  window.results = (async () => {
    const results = {};
    try {
      const response = await fetch(api + '/graphql', { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body });
      results.jsonRequest = 'answered ' + response.status + ' ' + (await response.text());
    } catch (error) { results.jsonRequest = 'blocked'; }
    try {
      const response = await fetch(api + '/graphql', { method: 'POST', credentials: 'include', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body });
      results.simpleRequest = 'sent, opaque: ' + response.type;
    } catch (error) { results.simpleRequest = 'blocked'; }
    results.webSocket = await new Promise((resolve) => {
      const socket = new WebSocket(api.replace('http', 'ws') + '/graphql', 'graphql-transport-ws');
      socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init' }));
      socket.onmessage = (message) => resolve('opened: ' + message.data);
      socket.onclose = (event) => resolve('closed ' + event.code);
    });
    return results;
  })();
  </script></body></html>`;
}

beforeAll(async () => {
  ({ server, stop: stopServer } = await spawnConsoleServer({ DEMO_DATA: 'true' }));
  [baseUrl, browser] = await Promise.all([server.started, launchChromium()]);
  attacker = http.createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(attackPage(baseUrl)));
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  // `localhost` and `127.0.0.1` are different origins and different sites to the browser.
  attackerUrl = `http://localhost:${(attacker.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await browser?.close();
  attacker?.close();
  await stopServer?.();
});

it('keeps a page of another origin from reading or changing anything through a signed-in browser', async () => {
  const context = await browser.newContext();
  const console = await context.newPage();
  const administrator = demoAccounts.find((account) => account.role === 'ADMINISTRATOR')!;
  const ui = new ConsolePage(console, 'cross-origin');
  await console.goto(baseUrl);
  await ui.signIn(administrator.username, administrator.password);
  await ui.organization('contoso.onmicrosoft.com').waitFor();
  const inventory = () =>
    console.evaluate(async () => {
      const response = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ organizations { edges { node { id name backupApplications { applicationId } } } } }' }),
      });
      return response.text();
    });
  const before = await inventory();
  expect(before).toContain('contoso.onmicrosoft.com');

  // The attacker knows which applications to remove; it only lacks the right to.
  const contoso = (
    JSON.parse(before) as {
      data: { organizations: { edges: { node: { id: string; name: string; backupApplications: { applicationId: string }[] } }[] } };
    }
  ).data.organizations.edges
    .map((edge) => edge.node)
    .find((node) => node.name === 'contoso.onmicrosoft.com')!;
  const removal = JSON.stringify({
    query:
      'mutation($input: RemoveApplicationsInput!) { removeApplications(input: $input) { removedApplications { applicationId } errors { code } } }',
    variables: { input: { organizationId: contoso.id, applicationIds: contoso.backupApplications.map((application) => application.applicationId) } },
  });
  const evil = await context.newPage();
  await evil.goto(`${attackerUrl}#${encodeURIComponent(removal)}`);
  const results = (await evil.evaluate(() => (window as unknown as { results: Promise<Record<string, string>> }).results)) as Record<string, string>;

  // No CORS permission: the browser does not even send the JSON request (its preflight is refused).
  expect(results.jsonRequest).toBe('blocked');
  // A "simple" request (text/plain, no preflight) does go out — without the SameSite=Strict cookie, and
  // refused by Apollo's CSRF prevention — and the browser withholds its answer (Cross-Origin-Resource-Policy).
  expect(results.simpleRequest).toBe('blocked');
  // The WebSocket handshake is refused for the foreign Origin: the socket never opens.
  expect(results.webSocket).toBe('closed 1006');
  expect(await inventory()).toBe(before);
  await context.close();
});
