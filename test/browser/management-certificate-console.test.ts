import type { RunningEntraEmulator } from '@bam/entra-emulator';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { management, startEmulatorForServer, tenant } from '../../packages/server/test/support/entra-fixture.js';
import type { ServerProcess } from '../../packages/server/test/support/server-process.js';
import { signInCookie } from '../../packages/server/test/support/sign-in.js';
import { axeViolations } from '../support/axe.js';
import { launchChromium, recordCspViolations } from '../support/browser.js';
import { ConsolePage } from '../support/console-page.js';
import { spawnConsoleServer } from '../support/console-server.js';

/**
 * Change management certificate… in the organization summary, against the built server and the Entra
 * emulator: an administrator sees the certificate the server signs in to the tenant with and its expiry,
 * is refused one Entra does not accept (the coded message in the dialog), and switches to another store
 * certificate registered on the management application — with the keyboard only, checked with axe-core.
 */
let server: ServerProcess;
let stopServer: () => Promise<void>;
let emulator: RunningEntraEmulator;
let stopEmulator: () => Promise<void>;
let baseUrl: string;
let browser: Browser;

const administrator = { username: 'certificate-admin', password: 'certificate-admin-password' };

interface StoreCertificate {
  id: string;
  thumbprint: string;
  notAfter: string;
  derBase64: string;
}

async function graphql<Data>(cookie: string, query: string, variables: Record<string, unknown>): Promise<Data> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Data; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data!;
}

/** A certificate generated in the server's store, its key never leaving it. */
async function generated(cookie: string, commonName: string, days: number): Promise<StoreCertificate> {
  const data = await graphql<{ generateCertificate: { certificate: StoreCertificate } }>(
    cookie,
    'mutation($input: GenerateCertificateInput!) { generateCertificate(input: $input) { certificate { id thumbprint notAfter derBase64 } errors { code } } }',
    { input: { commonName, notAfter: new Date(Date.now() + days * 86_400_000).toISOString() } },
  );
  return data.generateCertificate.certificate;
}

let current: StoreCertificate;
let next: StoreCertificate;
let unregistered: StoreCertificate;

beforeAll(async () => {
  let environment: Record<string, string>;
  ({ emulator, environment, stop: stopEmulator } = await startEmulatorForServer());
  ({ server, stop: stopServer } = await spawnConsoleServer({
    ...environment,
    INITIAL_ADMIN_USERNAME: administrator.username,
    INITIAL_ADMIN_PASSWORD: administrator.password,
  }));
  [baseUrl, browser] = await Promise.all([server.started, launchChromium()]);

  // The organization, connected with this year's management certificate; next year's registered in the portal already.
  const cookie = await signInCookie(baseUrl, administrator.username, administrator.password);
  current = await generated(cookie, 'Contoso Management 2025', 10);
  next = await generated(cookie, 'Contoso Management 2026', 400);
  unregistered = await generated(cookie, 'Contoso Management not in Entra', 300);
  for (const certificate of [current, next]) emulator.admin.registerKeyCredential(tenant.id, management.appId, { key: certificate.derBase64 });
  const added = await graphql<{ addOrganization: { errors: unknown[] } }>(
    cookie,
    'mutation($input: AddOrganizationInput!) { addOrganization(input: $input) { organization { id } errors { code } } }',
    { input: { tenant: tenant.domain, managementApplicationId: management.appId, managementCertificateId: current.id } },
  );
  expect(added.addOrganization.errors).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await stopServer?.();
  await stopEmulator?.();
});

let cspViolations: string[] = [];
afterEach(() => {
  expect(cspViolations).toEqual([]);
});

describe('Change management certificate… in the console', () => {
  it('shows the certificate and its expiry, refuses one Entra does not accept, and switches to another, by keyboard', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    cspViolations = await recordCspViolations(page);
    await page.goto(baseUrl);
    const ui = new ConsolePage(page, 'management-certificate');
    await ui.signIn(administrator.username, administrator.password);

    // The summary names the management certificate and when it expires.
    await ui.organization(tenant.domain).click();
    const summary = page.getByTestId('summary-management-certificate');
    await expect.poll(() => summary.innerText()).toContain(current.thumbprint);
    expect(await summary.locator('.expiry').getAttribute('data-status')).toBe('EXPIRING_SOON');
    expect(await summary.locator('.expiry__date').innerText()).toContain(String(new Date(current.notAfter).getFullYear()));
    await ui.screenshot('summary');

    // Opened with the keyboard: focus lands on the choice, the dialog passes axe.
    const open = page.getByTestId('summary-change-management-certificate');
    await open.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByTestId('management-certificate-dialog');
    await dialog.waitFor();
    const choice = dialog.getByTestId('management-certificate-choice');
    await expect.poll(() => choice.evaluate((element) => element === document.activeElement)).toBe(true);
    await expect.poll(() => choice.locator('option').count()).toBe(3);
    expect(await choice.locator('option', { hasText: current.thumbprint }).count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    // Escape closes it, changing nothing.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // A certificate the management application does not hold: Entra's refusal, coded, in the dialog; nothing changes.
    await open.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => choice.evaluate((element) => element === document.activeElement)).toBe(true);
    await choice.selectOption(unregistered.id);
    await page.keyboard.press('Tab');
    const apply = dialog.getByTestId('management-certificate-apply');
    expect(await apply.evaluate((element) => element === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    const refusal = dialog.getByTestId('management-certificate-error');
    await refusal.waitFor();
    expect(await refusal.innerText()).toMatch(/Microsoft Entra.*\(AADSTS700027\)$/s);
    expect(await refusal.getAttribute('role')).toBe('alert');
    expect(await axeViolations(page)).toEqual([]);
    await ui.screenshot('refused');
    expect(await summary.innerText()).toContain(current.thumbprint);

    // Next year's certificate, registered in the portal: the dialog closes and the summary shows it.
    await choice.focus();
    await choice.selectOption(next.id);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => summary.innerText()).toContain(next.thumbprint);
    expect(await summary.innerText()).not.toContain(current.thumbprint);
    expect(await summary.locator('.expiry').getAttribute('data-status')).toBe('VALID');
    expect(await page.getByRole('status').filter({ hasText: 'new management certificate' }).count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await ui.screenshot('changed');
    expect(errors).toEqual([]);
  });
});
