import { createHmac } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoAccounts } from '../../packages/server/src/demo/demo-accounts.js';
import type { ServerProcess } from '../../packages/server/test/support/server-process.js';
import { signInCookie } from '../../packages/server/test/support/sign-in.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../packages/server/test/support/webhook-receiver.js';
import { axeViolations } from '../support/axe.js';
import { launchChromium } from '../support/browser.js';
import { ConsolePage } from '../support/console-page.js';
import { spawnConsoleServer } from '../support/console-server.js';

let server: ServerProcess;
let stopServer: () => Promise<void>;
let baseUrl: string;
let browser: Browser;
let receiver: WebhookReceiver;

beforeAll(async () => {
  ({ server, stop: stopServer } = await spawnConsoleServer({ DEMO_DATA: 'true', WEBHOOK_POLL_INTERVAL_MS: '200' }));
  [baseUrl, browser, receiver] = await Promise.all([server.started, launchChromium(), startWebhookReceiver()]);
});

afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await stopServer?.();
});

const administrator = demoAccounts.find((demo) => demo.role === 'ADMINISTRATOR')!;

it('registers a webhook endpoint in the console, and shows a change made through the API as delivered', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const ui = new ConsolePage(page, 'webhooks');
  await page.goto(baseUrl);
  await ui.signIn(administrator.username, administrator.password);
  await page.getByTestId('switch-view').click();
  await page.getByTestId('admin-tab-webhooks').click();

  const panel = page.getByTestId('webhooks-panel');
  await panel.getByLabel('Endpoint URL').fill(receiver.url);
  await panel.getByLabel('Description').fill('Browser test receiver');
  await panel.getByTestId('webhook-event-types').getByLabel('Store certificate generated').check();
  await panel.getByRole('button', { name: 'Add endpoint' }).click();
  const secret = await panel.getByTestId('webhook-secret').locator('code').innerText();
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  await panel.getByTestId('webhook-row').filter({ hasText: receiver.url }).getByText('Enabled').waitFor();
  await ui.screenshot('endpoint-added');

  // A change made elsewhere: through the API, with a session of its own.
  const cookie = await signInCookie(baseUrl, administrator.username, administrator.password);
  const generated = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({
      query: 'mutation($input: GenerateCertificateInput!) { generateCertificate(input: $input) { errors { code } } }',
      variables: { input: { commonName: 'Webhook Browser Test', notAfter: new Date(Date.now() + 30 * 86_400_000).toISOString() } },
    }),
  });
  expect(((await generated.json()) as { data: { generateCertificate: { errors: unknown[] } } }).data.generateCertificate.errors).toEqual([]);

  const [request] = await receiver.waitFor(1);
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const signed = `${request!.headers['webhook-id']}.${request!.headers['webhook-timestamp']}.${request!.body}`;
  expect(request!.headers['webhook-signature']).toBe(`v1,${createHmac('sha256', key).update(signed).digest('base64')}`);

  await panel.getByTestId('webhook-deliveries-toggle').click();
  const deliveries = panel.getByTestId('webhook-deliveries');
  await expect
    .poll(
      async () => {
        await deliveries.getByRole('button', { name: 'Refresh' }).click();
        return deliveries.getByTestId('webhook-delivery-status').allInnerTexts();
      },
      { timeout: 20_000 },
    )
    .toEqual(['Delivered']);
  await ui.screenshot('delivered');
  expect(await axeViolations(page)).toEqual([]);
  await page.close();
});
