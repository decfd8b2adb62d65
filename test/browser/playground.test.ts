import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ServerProcess } from '../../packages/server/test/support/server-process.js';
import { demoAccounts } from '../../packages/server/src/demo/demo-accounts.js';
import { launchChromium, recordCspViolations, screenshotPath } from '../support/browser.js';
import { ConsolePage } from '../support/console-page.js';
import { spawnConsoleServer } from '../support/console-server.js';

let server: ServerProcess;
let stopServer: () => Promise<void>;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  ({ server, stop: stopServer } = await spawnConsoleServer({ DEMO_DATA: 'true' }));
  baseUrl = await server.started;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stopServer?.();
});

it('serves a working GraphQL playground that makes no request outside the server', async () => {
  const page = await browser.newPage();
  // The playground uses the console's session (same origin): anonymous callers get no introspection.
  await page.goto(baseUrl);
  const viewer = demoAccounts.find((account) => account.role === 'VIEWER')!;
  await new ConsolePage(page, 'playground').signIn(viewer.username, viewer.password);
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  const cspViolations = await recordCspViolations(page);

  // GraphiQL runs queries once it has the schema: wait for its introspection before pressing Run.
  const introspected = page.waitForResponse(
    (response) => response.url().endsWith('/graphql') && /IntrospectionQuery/.test(response.request().postData() ?? ''),
  );
  const pageResponse = await page.goto(`${baseUrl}/graphql`);
  expect(new URL(page.url()).pathname).toBe('/playground');
  expect(pageResponse?.headers()['content-security-policy']).toContain("default-src 'self'");
  await introspected;
  await page.getByRole('button', { name: /execute query/i }).click();
  await expect.poll(() => page.locator('.result-window').innerText(), { timeout: 30_000 }).toContain('contoso.onmicrosoft.com');
  await page.screenshot({ path: await screenshotPath('playground') });

  const origin = new URL(baseUrl).origin;
  const external = requested.filter((url) => !url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:'));
  expect(external).toEqual([]);
  expect(requested.some((url) => url.endsWith('/graphql'))).toBe(true);
  // The playground works under its strict policy: nothing it needs is blocked.
  expect(cspViolations).toEqual([]);
});
