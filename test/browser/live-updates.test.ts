import type { APIResponse, Browser, Page, Route, WebSocket, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAccounts } from '../../packages/server/src/demo/demo-accounts.js';
import type { ServerProcess } from '../../packages/server/test/support/server-process.js';
import { signInCookie } from '../../packages/server/test/support/sign-in.js';
import { launchChromium } from '../support/browser.js';
import { ConsolePage } from '../support/console-page.js';
import { spawnConsoleServer } from '../support/console-server.js';

/**
 * The console keeps itself up to date from the certificate event feed: changes made through the API
 * (HTTP, an administrator's API token) appear in an open console without a click, also after its
 * WebSocket dropped. The built server on a fresh PostgreSQL database with the demo data.
 */
let server: ServerProcess;
let stopServer: () => Promise<void>;
let baseUrl: string;
let browser: Browser;
let adminToken: string;

beforeAll(async () => {
  ({ server, stop: stopServer } = await spawnConsoleServer({ DEMO_DATA: 'true' }));
  [baseUrl, browser] = await Promise.all([server.started, launchChromium()]);
  const admin = demoAccounts.find((account) => account.role === 'ADMINISTRATOR')!;
  const cookie = await signInCookie(baseUrl, admin.username, admin.password);
  const { createApiToken } = await graphql<{ createApiToken: { secret: string } }>(
    'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret errors { code } } }',
    { input: { name: 'live updates test', role: 'ADMINISTRATOR', expiresAt: new Date(Date.now() + 24 * 3600 * 1000).toISOString() } },
    { cookie },
  );
  adminToken = createApiToken.secret;
});

afterAll(async () => {
  await browser?.close();
  await stopServer?.();
});

/** One GraphQL request over HTTP, as a script would make it. */
async function graphql<Data>(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Data> {
  const response = await fetch(new URL('/graphql', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(adminToken && { authorization: `Bearer ${adminToken}` }), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Data; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data!;
}

interface ApiOrganization {
  id: string;
  applications: Map<string, string>;
}

async function organization(name: string): Promise<ApiOrganization> {
  const { organizations } = await graphql<{
    organizations: { edges: { node: { id: string; backupApplications: { applicationId: string; displayName: string }[] } }[] };
  }>(
    'query($name: String!) { organizations(first: 1, filter: { nameContains: $name }) { edges { node { id backupApplications { applicationId displayName } } } } }',
    {
      name,
    },
  );
  const node = organizations.edges[0]!.node;
  return { id: node.id, applications: new Map(node.backupApplications.map((application) => [application.displayName, application.applicationId])) };
}

/** Generates a store certificate valid for two years and gives it to the applications, through the API. */
async function updateThroughApi(target: ApiOrganization, displayNames: string[], commonName: string): Promise<string> {
  const { generateCertificate } = await graphql<{ generateCertificate: { certificate: { id: string; thumbprint: string } } }>(
    'mutation($input: GenerateCertificateInput!) { generateCertificate(input: $input) { certificate { id thumbprint } errors { code } } }',
    { input: { commonName, notAfter: new Date(Date.now() + 730 * 24 * 3600 * 1000).toISOString() } },
  );
  const { updateCertificate } = await graphql<{ updateCertificate: { errors: { code: string }[] } }>(
    'mutation($input: UpdateCertificateInput!) { updateCertificate(input: $input) { errors { code } } }',
    {
      input: {
        organizationId: target.id,
        storeCertificateId: generateCertificate.certificate.id,
        applications: displayNames.map((displayName) => ({ applicationId: target.applications.get(displayName) })),
      },
    },
  );
  expect(updateCertificate.errors).toEqual([]);
  return generateCertificate.certificate.thumbprint;
}

async function removeThroughApi(target: ApiOrganization, displayNames: string[]): Promise<void> {
  const { removeApplications } = await graphql<{ removeApplications: { errors: { code: string }[] } }>(
    'mutation($input: RemoveApplicationsInput!) { removeApplications(input: $input) { errors { code } } }',
    { input: { organizationId: target.id, applicationIds: displayNames.map((displayName) => target.applications.get(displayName)) } },
  );
  expect(removeApplications.errors).toEqual([]);
}

async function openConsole(prefix: string, beforeLoad?: (page: Page) => Promise<void>): Promise<{ page: Page; ui: ConsolePage }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await beforeLoad?.(page);
  await page.goto(baseUrl);
  const ui = new ConsolePage(page, prefix);
  const operator = demoAccounts.find((account) => account.role === 'OPERATOR')!;
  await ui.signIn(operator.username, operator.password);
  await ui.organization('contoso.onmicrosoft.com').waitFor();
  await liveStatus(page, 'live');
  return { page, ui };
}

/** The operation name of a GraphQL request body sent as JSON (undefined for anything else). */
function operationName(body: string | null): string | undefined {
  try {
    return (JSON.parse(body ?? '') as { operationName?: string }).operationName;
  } catch {
    return undefined;
  }
}

/** Polls long enough for a busy machine: these tests check what appears, not how fast (that is the bench's job). */
const arrives = { timeout: 15_000 };

/** Waits until the header's live indicator says `status`. */
function liveStatus(page: Page, status: 'live' | 'reconnecting') {
  return page.locator(`[data-testid="live-status"][data-status="${status}"]`).waitFor();
}

describe('live updates in the console', () => {
  it('shows a certificate update and a removal made through the API in the open manager window, without a click', async () => {
    const { page, ui } = await openConsole('live-manager');
    const contoso = await organization('contoso');
    await ui.openManagerByRightClick('contoso.onmicrosoft.com');
    await ui.row('Contoso Backup 04').waitFor();

    const thumbprint = await updateThroughApi(contoso, ['Contoso Backup 04'], 'Live Update Contoso 04');
    const row = ui.row('Contoso Backup 04');
    await expect.poll(() => row.getByTestId('thumbprint').innerText(), arrives).toBe(thumbprint);
    expect(await row.getByRole('button', { name: /Configured/ }).innerText()).toBe('Configured');
    expect(await row.getByTestId('expiry').innerText()).toContain('Valid');
    await ui.screenshot('updated-elsewhere');

    await removeThroughApi(contoso, ['Contoso Backup 01']);
    await ui.row('Contoso Backup 01').waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('selection-count').innerText(), arrives).toContain('3');
    await ui.screenshot('removed-elsewhere');
    await page.close();
  });

  it('never shows a row as it was before a change when the answer to a request sent before it comes after its event', async () => {
    // The manager's next list request is answered by the server at once and handed to the page only when the test says.
    let holdNext = false;
    let readBeforeChange: (held: { route: Route; response: APIResponse }) => void;
    const held = new Promise<{ route: Route; response: APIResponse }>((resolve) => (readBeforeChange = resolve));
    const { page, ui } = await openConsole('live-late-answer', async (page) => {
      await page.route(/\/graphql$/, async (route) => {
        if (!holdNext || operationName(route.request().postData()) !== 'OrganizationApplications') return route.fallback();
        holdNext = false;
        readBeforeChange({ route, response: await route.fetch() });
      });
    });
    const contoso = await organization('contoso');
    await ui.openManagerByRightClick('contoso.onmicrosoft.com');
    const refresh = page.getByTestId('refresh-applications');
    await ui.row('Contoso Backup 03').waitFor();
    await expect.poll(() => refresh.isEnabled(), arrives).toBe(true);

    // Every value the row's thumbprint and expiry take from now on, as the page shows them.
    await page.evaluate((name) => {
      const shown: { thumbprint: string; expiry: string }[] = [];
      const record = () => {
        const row = Array.from(document.querySelectorAll('[data-testid="application-row"]')).find((candidate) =>
          candidate.textContent?.includes(name),
        );
        const text = (testId: string) => row?.querySelector(`[data-testid="${testId}"]`)?.textContent?.trim() ?? '(no row)';
        const latest = { thumbprint: text('thumbprint'), expiry: text('expiry') };
        if (shown.at(-1)?.thumbprint !== latest.thumbprint || shown.at(-1)?.expiry !== latest.expiry) shown.push(latest);
      };
      record();
      new MutationObserver(record).observe(document.querySelector('[data-testid="manager-dialog"]')!, {
        subtree: true,
        childList: true,
        characterData: true,
      });
      Object.assign(window, { shownRow: shown });
    }, 'Contoso Backup 03');

    holdNext = true;
    await refresh.click();
    const { route, response } = await held;
    const thumbprint = await updateThroughApi(contoso, ['Contoso Backup 03'], 'Late Answer Contoso 03');
    // The event has put the new certificate on the row in place; the answer read before the change comes now.
    await expect.poll(() => ui.row('Contoso Backup 03').getByTestId('thumbprint').innerText(), arrives).toBe(thumbprint);
    const nextAnswer = page.waitForResponse(
      (candidate) => candidate.request() !== route.request() && operationName(candidate.request().postData()) === 'OrganizationApplications',
    );
    await route.fulfill({ response });
    await nextAnswer;
    await expect.poll(() => refresh.isEnabled(), arrives).toBe(true);

    const shown = await page.evaluate(() => (window as unknown as { shownRow: { thumbprint: string; expiry: string }[] }).shownRow);
    const [before, after] = [shown[0]!, shown.at(-1)!];
    expect(after.expiry).not.toBe(before.expiry);
    // Once the new certificate showed, the row never went back to the old one, not even for a moment.
    expect(shown.slice(shown.findIndex((values) => values.thumbprint === after.thumbprint))).toEqual([after]);
    await page.close();
  });

  it("changes the Organizations view's summary counts and attention marks live", async () => {
    const { page, ui } = await openConsole('live-summary');
    const fabrikam = await organization('fabrikam');
    await ui.organization('fabrikam.onmicrosoft.com').click();
    const tile = (name: string) => page.getByTestId('organization-summary').getByTestId(name).locator('.tile__value');
    await expect.poll(() => tile('summary-expiring').innerText(), arrives).toBe('1');
    expect(await tile('summary-applications').innerText()).toBe('3');
    expect(await tile('summary-not-configured').innerText()).toBe('1');
    await ui.organization('fabrikam.onmicrosoft.com').getByTestId('organization-attention').waitFor();

    await updateThroughApi(fabrikam, ['Fabrikam SharePoint Backup', 'Fabrikam Teams Backup'], 'Live Update Fabrikam');
    await expect.poll(() => tile('summary-expiring').innerText(), arrives).toBe('0');
    expect(await tile('summary-not-configured').innerText()).toBe('0');
    expect(await tile('summary-configured').innerText()).toBe('3');
    await ui.organization('fabrikam.onmicrosoft.com').getByTestId('organization-attention').waitFor({ state: 'detached' });

    await removeThroughApi(fabrikam, ['Fabrikam Exchange Backup']);
    await expect.poll(() => tile('summary-applications').innerText(), arrives).toBe('2');
    await ui.screenshot('summary-live');
    await page.close();
  });

  it('keeps one connection per signed-in console: closed at sign-out, opened again at sign-in', async () => {
    const sockets: WebSocket[] = [];
    const { page, ui } = await openConsole('live-sign-out', async (page) => void page.on('websocket', (socket) => sockets.push(socket)));
    expect(sockets.filter((socket) => !socket.isClosed())).toHaveLength(1);

    await ui.signOut();
    await expect.poll(() => sockets.every((socket) => socket.isClosed()), arrives).toBe(true);
    expect(await page.getByTestId('live-status').count()).toBe(0);

    const viewer = demoAccounts.find((account) => account.role === 'VIEWER')!;
    await ui.signIn(viewer.username, viewer.password);
    await liveStatus(page, 'live');
    expect(sockets.filter((socket) => !socket.isClosed())).toHaveLength(1);
    await page.close();
  });

  it('resumes after its WebSocket dropped and shows a change made meanwhile', async () => {
    // The console's WebSocket passes through this route, so the test can drop it and refuse reconnections.
    const routes: WebSocketRoute[] = [];
    const subscribeMessages: { variables?: { after?: string | null } }[] = [];
    let refusing = false;
    const { page, ui } = await openConsole('live-resume', (page) =>
      page.routeWebSocket(/\/graphql$/, (route) => {
        if (refusing) return void route.close({ code: 1013, reason: 'test: try again later' });
        const upstream = route.connectToServer();
        route.onMessage((message) => {
          const parsed = JSON.parse(String(message)) as { type: string; payload?: { variables?: { after?: string | null } } };
          if (parsed.type === 'subscribe') subscribeMessages.push(parsed.payload ?? {});
          upstream.send(message);
        });
        routes.push(route);
      }),
    );
    const northwind = await organization('northwind');
    await ui.openManagerByRightClick('northwindtraders.onmicrosoft.com');

    // A first change arrives live: the console now knows the id of the last event.
    const first = await updateThroughApi(northwind, ['Northwind Archive'], 'Live Update Northwind Archive');
    await expect.poll(() => ui.row('Northwind Archive').getByTestId('thumbprint').innerText(), arrives).toBe(first);

    refusing = true;
    await routes.at(-1)!.close({ code: 1012, reason: 'test: connection dropped' });
    await liveStatus(page, 'reconnecting');
    await ui.screenshot('reconnecting');
    const meanwhile = await updateThroughApi(northwind, ['Northwind Backup'], 'Live Update Northwind Backup');
    refusing = false;

    await expect.poll(() => ui.row('Northwind Backup').getByTestId('thumbprint').innerText(), arrives).toBe(meanwhile);
    await liveStatus(page, 'live');
    // It was replayed by the server after the last event seen, not found by reading everything again.
    expect(subscribeMessages.at(-1)?.variables?.after).toEqual(expect.any(String));
    await ui.screenshot('resumed');
    await page.close();
  });
});
