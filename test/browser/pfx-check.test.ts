import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAccounts } from '../../packages/server/src/demo/demo-accounts.js';
import { expiredPfx, opensslPfx, rsaCertificate } from '../../packages/server/test/support/pfx-fixtures.js';
import type { ServerProcess } from '../../packages/server/test/support/server-process.js';
import type { TestDatabase } from '../../packages/server/test/support/test-database.js';
import { axeViolations } from '../support/axe.js';
import { launchChromium } from '../support/browser.js';
import { ConsolePage } from '../support/console-page.js';
import { spawnConsoleServer } from '../support/console-server.js';

/**
 * The Select Certificate wizard checks a PFX file as soon as it is chosen (inspectPfx): its certificate
 * shows on the PFX step, a wrong password or an expired certificate is told there — before Finish — and
 * the step has no axe-core violation, at a laptop size and a narrow window.
 */
let database: TestDatabase;
let server: ServerProcess;
let stopServer: () => Promise<void>;
let baseUrl: string;
let browser: Browser;
let files: string;

const password = 'Right-Password-1';
const good = opensslPfx({ certificate: rsaCertificate({ commonName: 'Contoso Backup 2028' }), password });
const expired = expiredPfx({ password });

beforeAll(async () => {
  ({ database, server, stop: stopServer } = await spawnConsoleServer({ DEMO_DATA: 'true' }));
  files = await mkdtemp(path.join(tmpdir(), 'bam-pfx-check-files-'));
  await writeFile(path.join(files, 'backup.pfx'), good.file);
  await writeFile(path.join(files, 'expired.pfx'), expired.file);
  [baseUrl, browser] = await Promise.all([server.started, launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await stopServer?.();
  if (files) await rm(files, { recursive: true, force: true });
});

const operator = demoAccounts.find((account) => account.role === 'OPERATOR')!;

async function storedCertificates(): Promise<number> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query<{ count: number }>('SELECT count(*)::int AS count FROM certificates')).rows[0]!.count;
  } finally {
    await client.end();
  }
}

/** Signs in, opens the wizard for Contoso Backup 04 (not configured) and goes to the PFX step. */
async function openPfxStep(width: number, height: number): Promise<{ page: Page; ui: ConsolePage }> {
  const page = await browser.newPage({ viewport: { width, height } });
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.goto(baseUrl);
  const ui = new ConsolePage(page, `pfx-check-${width}x${height}`);
  await ui.signIn(operator.username, operator.password);
  await ui.openManagerByRightClick('contoso.onmicrosoft.com');
  await ui
    .row('Contoso Backup 04')
    .getByRole('button', { name: /Not configured/ })
    .click();
  await ui.wizard.getByRole('radio', { name: /Import certificate from a PFX file/ }).check();
  await ui.wizard.getByRole('button', { name: 'Next >' }).click();
  await ui.wizard.getByTestId('pfx-step').waitFor();
  return { page, ui };
}

async function choose(page: Page, ui: ConsolePage, name: string): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await ui.wizard.getByRole('button', { name: /Browse…|Choose another file…/ }).click();
  await (await chooser).setFiles(path.join(files, name));
}

describe('checking a PFX file when it is chosen', () => {
  for (const [width, height] of [
    [1366, 800],
    [800, 700],
  ] as const) {
    it(`shows the certificate, or the wrong password, on the PFX step before Finish at ${width}×${height}`, async () => {
      const storedBefore = await storedCertificates();
      const { page, ui } = await openPfxStep(width, height);
      const next = ui.wizard.getByRole('button', { name: 'Next >' });
      const passwordField = ui.wizard.getByLabel('Password', { exact: true });

      await passwordField.fill('not the password');
      await choose(page, ui, 'backup.pfx');
      await expect.poll(() => ui.wizard.getByRole('alert').innerText()).toContain('The password is not correct for this PFX file');
      expect(await passwordField.getAttribute('aria-invalid')).toBe('true');
      expect(await next.isDisabled()).toBe(true);
      expect(await ui.wizard.getByTestId('wizard-finish').count()).toBe(0);
      await ui.screenshot('wrong-password');
      expect(await axeViolations(page)).toEqual([]);

      await passwordField.fill(password);
      const certificate = ui.wizard.getByTestId('pfx-certificate');
      await expect.poll(() => certificate.innerText()).toContain(good.thumbprint);
      const shown = await certificate.innerText();
      expect(shown).toContain('CN=Contoso Backup 2028');
      expect(shown).toMatch(/SHA-256 thumbprint\s+[0-9A-F]{64}/);
      expect(shown).toContain('RSA 2048 bits');
      expect(await passwordField.getAttribute('aria-invalid')).toBeNull();
      expect(await next.isEnabled()).toBe(true);
      // The details fit the wizard: nothing scrolls sideways.
      const widths = await ui.wizard
        .locator('.wizard__content')
        .evaluate((content) => ({ scroll: content.scrollWidth, client: content.clientWidth }));
      expect(widths.scroll).toBeLessThanOrEqual(widths.client + 1);
      await ui.screenshot('certificate');
      expect(await axeViolations(page)).toEqual([]);

      await choose(page, ui, 'expired.pfx');
      await expect.poll(() => ui.wizard.getByRole('alert').innerText()).toContain('The certificate has expired');
      expect(await ui.wizard.getByTestId('pfx-certificate').innerText()).toContain(expired.thumbprint);
      expect(await next.isDisabled()).toBe(true);
      await ui.screenshot('expired');
      expect(await axeViolations(page)).toEqual([]);

      await choose(page, ui, 'backup.pfx');
      await expect.poll(() => ui.wizard.getByTestId('pfx-certificate').innerText()).toContain(good.thumbprint);
      await next.click();
      const summary = ui.wizard.getByTestId('summary-certificate');
      await expect.poll(() => summary.innerText()).toContain('CN=Contoso Backup 2028');
      expect(await summary.innerText()).toContain(good.thumbprint);
      expect(await summary.innerText()).toContain('RSA 2048 bits');
      await ui.screenshot('summary');
      // Checking stored nothing: only Finish does.
      expect(await storedCertificates()).toBe(storedBefore);
      await page.close();
    });
  }
});
