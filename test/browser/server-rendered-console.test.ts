import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAccounts } from '../../packages/server/src/demo/demo-accounts.js';
import type { ServerProcess } from '../../packages/server/test/support/server-process.js';
import { signInCookie } from '../../packages/server/test/support/sign-in.js';
import { launchChromium, recordCspViolations } from '../support/browser.js';
import { ConsolePage } from '../support/console-page.js';
import { spawnConsoleServer } from '../support/console-server.js';

/**
 * A signed-in user opening the console gets the Organizations view rendered by the server: it shows
 * before any script runs, and the console's code then takes over that very markup (hydration) and works.
 */
let server: ServerProcess;
let stopServer: () => Promise<void>;
let baseUrl: string;
let browser: Browser;
let sessionCookie: string;

beforeAll(async () => {
  ({ server, stop: stopServer } = await spawnConsoleServer({ DEMO_DATA: 'true' }));
  [baseUrl, browser] = await Promise.all([server.started, launchChromium()]);
  const operator = demoAccounts.find((account) => account.role === 'OPERATOR')!;
  sessionCookie = await signInCookie(baseUrl, operator.username, operator.password);
});

afterAll(async () => {
  await browser?.close();
  await stopServer?.();
});

/** A new browser context that carries the operator's session, as a returning user's browser does. */
async function signedInContext(options: { javaScriptEnabled?: boolean } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, ...options });
  const [name, value] = sessionCookie.split('=') as [string, string];
  await context.addCookies([{ name, value, url: baseUrl }]);
  return context;
}

/**
 * Follows the page's GraphQL requests; `quiet()` resolves once none has been on its way for a second: a
 * request the console sends on an answer (asking again) leaves at once, so by then it would have been sent.
 */
function followGraphQL(page: Page): { quiet(): Promise<void> } {
  let inFlight = 0;
  let lastChange = Date.now();
  const count = (change: number) => (request: Request) => {
    if (!request.url().endsWith('/graphql')) return;
    inFlight += change;
    lastChange = Date.now();
  };
  page.on('request', count(1));
  page.on('requestfinished', count(-1));
  page.on('requestfailed', count(-1));
  return {
    quiet: () => expect.poll(() => inFlight === 0 && Date.now() - lastChange >= 1000, { timeout: 30_000, interval: 100 }).toBe(true),
  };
}

describe('the console rendered on the server', () => {
  it('shows the organizations without running any script', async () => {
    const context = await signedInContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.goto(baseUrl);
      const ui = new ConsolePage(page, 'ssr-no-script');
      await expect.poll(() => page.getByTestId('organization-item').count()).toBeGreaterThan(1);
      await expect(ui.organization('contoso.onmicrosoft.com').isVisible()).resolves.toBe(true);
      await expect(page.getByTestId('signed-in-user').textContent()).resolves.toContain('Operator');
      // Nothing answers clicks yet, and the pointer says so.
      await expect(
        page
          .getByTestId('organization-item')
          .first()
          .evaluate((item) => getComputedStyle(item).cursor),
      ).resolves.toBe('progress');
      await ui.screenshot('before-scripts');
    } finally {
      await context.close();
    }
  });

  it('is taken over by the console without a mismatch, and then works', async () => {
    const context = await signedInContext();
    try {
      const page = await context.newPage();
      const messages: string[] = [];
      const errors: string[] = [];
      page.on('console', (message) => messages.push(`${message.type()}: ${message.text()}`));
      page.on('pageerror', (error) => errors.push(error.message));
      const cspViolations = await recordCspViolations(page);
      // Keeps the first organization element as the HTML parser creates it, before any of the console's code runs.
      await page.addInitScript(() => {
        new MutationObserver((_changes, observer) => {
          const item = document.querySelector('[data-testid="organization-item"]');
          if (!item) return;
          (window as unknown as { parsedItem: Element }).parsedItem = item;
          observer.disconnect();
        }).observe(document, { childList: true, subtree: true });
      });
      const requests: string[] = [];
      page.on('request', (request) => {
        if (request.url().endsWith('/graphql')) requests.push(request.postDataJSON()?.operationName as string);
      });
      const graphQL = followGraphQL(page);
      // How many requests the page had sent when the live feed's socket opened: the takeover's, all before it.
      let sentBeforeFeed: number | undefined;
      page.on('websocket', () => (sentBeforeFeed ??= requests.length));

      await page.goto(baseUrl);
      await page.locator('#app[data-started]').waitFor({ state: 'attached' });
      await expect(
        page
          .getByTestId('organization-item')
          .first()
          .evaluate((item) => getComputedStyle(item).cursor),
      ).resolves.not.toBe('progress');
      // Hydration kept the server's elements: the node the parser made is the one in the page now.
      const sameNode = await page.evaluate(() => {
        const parsed = (window as unknown as { parsedItem?: Element }).parsedItem;
        return parsed !== undefined && parsed.isConnected && parsed === document.querySelector('[data-testid="organization-item"]');
      });
      expect(sameNode).toBe(true);
      expect(messages.filter((message) => /hydrat|mismatch/i.test(message))).toEqual([]);
      expect(errors).toEqual([]);
      const ui = new ConsolePage(page, 'ssr-hydrated');
      await expect.poll(() => page.getByTestId('live-status').getAttribute('data-status')).toBe('live');
      // The first view's answers came with the page: the console did not ask for them again to take it
      // over. But they were read on the server before the live feed started, and the changes in between
      // cannot be replayed: once connected, the feed refetched the list, once.
      expect(requests.slice(0, sentBeforeFeed)).not.toContain('Organizations');
      await expect.poll(() => requests.filter((name) => name === 'Organizations').length).toBeGreaterThanOrEqual(1);
      await graphQL.quiet();
      expect(requests.filter((name) => name === 'Organizations' || name === 'Me')).toEqual(['Organizations']);
      await ui.organization('fabrikam.onmicrosoft.com').click();
      await expect.poll(() => page.locator('#summary-title').textContent()).toBe('fabrikam.onmicrosoft.com');
      await ui.openManagerByRightClick('contoso.onmicrosoft.com');
      await ui.screenshot('manager');
      expect(cspViolations).toEqual([]);
    } finally {
      await context.close();
    }
  });

  // Browsers ask for /favicon.ico when a page names no icon: the 404 was an error in the console of every page.
  it('names its icon, so no page load logs an error', async () => {
    for (const [name, signedIn, address] of [
      ['console', true, baseUrl],
      ['sign-in page', false, baseUrl],
      ['playground', true, `${baseUrl}/playground`],
    ] as const) {
      const context = signedIn ? await signedInContext() : await browser.newContext();
      try {
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error') errors.push(message.text());
        });
        const missing: string[] = [];
        page.on('response', (response) => {
          if (response.status() >= 400) missing.push(`${response.status()} ${response.url()}`);
        });
        const cspViolations = await recordCspViolations(page);
        await page.goto(address, { waitUntil: 'load' });
        // The browser fetches the icon after the load event.
        await page.waitForTimeout(1000);
        expect(missing, name).toEqual([]);
        expect(errors, name).toEqual([]);
        expect(cspViolations, name).toEqual([]);
        expect(await page.locator('link[rel="icon"]').count(), name).toBe(1);
      } finally {
        await context.close();
      }
    }
  });
});
