import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslPfx } from '../../packages/server/test/support/pfx-fixtures.js';
import { demoAccounts } from '../../packages/server/src/demo/demo-accounts.js';
import type { ServerProcess } from '../../packages/server/test/support/server-process.js';
import { axeViolations } from '../support/axe.js';
import { launchChromium } from '../support/browser.js';
import { ConsolePage } from '../support/console-page.js';
import { spawnConsoleServer } from '../support/console-server.js';

/**
 * Every screen of the console, as a new administrator reaches it with mouse and keyboard, checked
 * with axe-core at a laptop size and a narrow window, in the light and the dark colour scheme; a
 * screenshot of each lands in test-artifacts/.
 */
let server: ServerProcess;
let stopServer: () => Promise<void>;
let baseUrl: string;
let browser: Browser;
let files: string;
let pfxPath: string;

beforeAll(async () => {
  ({ server, stop: stopServer } = await spawnConsoleServer({ DEMO_DATA: 'true' }));
  files = await mkdtemp(path.join(tmpdir(), 'bam-a11y-files-'));
  pfxPath = path.join(files, 'backup.pfx');
  await writeFile(pfxPath, opensslPfx({ password: 'Right-Password-1' }).file);
  [baseUrl, browser] = await Promise.all([server.started, launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await stopServer?.();
  if (files) await rm(files, { recursive: true, force: true });
});

type Scheme = 'light' | 'dark';

/** An Operator sees every control the screens below check (Update certificate, Remove). */
const operator = demoAccounts.find((account) => account.role === 'OPERATOR')!;

async function openConsole(width: number, height: number, scheme: Scheme, prefix: string): Promise<{ page: Page; ui: ConsolePage }> {
  const page = await browser.newPage({ viewport: { width, height } });
  await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
  await page.goto(baseUrl);
  const ui = new ConsolePage(page, prefix);
  await ui.signIn(operator.username, operator.password);
  await ui.organization('contoso.onmicrosoft.com').waitFor();
  return { page, ui };
}

describe('console accessibility', () => {
  for (const scheme of ['light', 'dark'] as const) {
    for (const [width, height] of [
      [1366, 800],
      [800, 700],
    ] as const) {
      it(`has no axe violation on any screen at ${width}×${height}, ${scheme}`, async () => {
        const { page, ui } = await openConsole(width, height, scheme, `a11y-${scheme}-${width}x${height}`);
        const found: Record<string, string[]> = {};
        const check = async (screen: string) => {
          await ui.screenshot(screen);
          const violations = await axeViolations(page);
          if (violations.length) found[screen] = violations;
        };

        // The page follows the colour scheme the system asks for.
        const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        const [red = 0, green = 0, blue = 0] = (background.match(/\d+/g) ?? []).map(Number);
        const luminance = (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255;
        if (scheme === 'dark') expect(luminance, `body background ${background}`).toBeLessThan(0.25);
        else expect(luminance, `body background ${background}`).toBeGreaterThan(0.8);

        await ui.organization('contoso.onmicrosoft.com').click();
        await page.getByTestId('summary-expired').waitFor();
        // The whole summary, "Expired" included, is in view without scrolling.
        const { tileBottom, paneBottom } = await page.getByTestId('summary-expired').evaluate((tile) => ({
          tileBottom: tile.getBoundingClientRect().bottom,
          paneBottom: tile.closest('.summary')!.getBoundingClientRect().bottom,
        }));
        expect(tileBottom, 'the Expired tile is above the fold').toBeLessThanOrEqual(Math.min(height, paneBottom));
        await check('organizations');

        await ui.organization('contoso.onmicrosoft.com').click({ button: 'right' });
        await ui.menu.waitFor();
        await check('context-menu');
        await ui.menu.getByRole('menuitem', { name: 'Manage backup applications' }).click();
        await ui.row('Contoso Backup 02').waitFor();
        await check('manager');
        // Certificate details of the focused application: the whole thumbprints, readable without hovering.
        await ui.manager.getByRole('button', { name: 'Show certificate details' }).click();
        await ui.manager.getByTestId('certificate-details-facts').waitFor();
        expect(await ui.manager.getByTestId('certificate-details-facts').innerText()).toMatch(/SHA-256 thumbprint\s+[0-9A-F]{64}/);
        await check('manager-certificate-details');
        await ui.manager.getByRole('button', { name: 'Hide certificate details' }).click();

        await ui.clickRow('Contoso Backup 01');
        await ui.clickRow('Contoso Backup 02', ['Control']);
        await ui.manager.getByRole('button', { name: 'Remove…' }).click();
        const confirm = page.getByTestId('remove-dialog');
        await confirm.waitFor();
        await check('remove-confirmation');
        await confirm.getByRole('button', { name: 'Cancel' }).click();
        await confirm.waitFor({ state: 'detached' });

        await ui.manager.getByRole('button', { name: 'Update certificate…' }).click();
        await ui.wizard.waitFor();
        await check('wizard-source');
        await ui.wizard.getByRole('button', { name: 'Next >' }).click();
        await ui.wizard.getByTestId('store-row').first().waitFor();
        await check('wizard-store');
        const storeWidths = await ui.wizard.locator('.store-table-wrap').evaluate((wrap) => ({ scroll: wrap.scrollWidth, client: wrap.clientWidth }));
        expect(storeWidths.scroll, 'the store list does not scroll sideways').toBeLessThanOrEqual(storeWidths.client + 1);
        await ui.wizard.getByTestId('store-row').filter({ hasText: 'Backup Certificate 2027' }).getByRole('radio').check();
        await ui.wizard.getByRole('button', { name: 'Show certificate details' }).click();
        await ui.wizard.getByTestId('certificate-details-facts').waitFor();
        await check('wizard-store-certificate-details');
        await ui.wizard.getByRole('button', { name: 'Next >' }).click();
        await ui.wizard.getByTestId('summary-step').waitFor();
        await check('wizard-summary-store');

        await ui.wizard.getByRole('button', { name: '< Back' }).click();
        await ui.wizard.getByRole('button', { name: '< Back' }).click();
        await ui.wizard.getByRole('radio', { name: /Import certificate from a PFX file/ }).check();
        await ui.wizard.getByRole('button', { name: 'Next >' }).click();
        await ui.wizard.getByTestId('pfx-step').waitFor();
        await check('wizard-pfx');
        const chooser = page.waitForEvent('filechooser');
        await ui.wizard.getByRole('button', { name: 'Browse…' }).click();
        await (await chooser).setFiles(pfxPath);
        const password = ui.wizard.getByLabel('Password', { exact: true });
        // The server checks the file as soon as it is chosen: a wrong password shows on this step, before Finish.
        await password.fill('wrong password');
        await expect.poll(() => password.getAttribute('aria-invalid')).toBe('true');
        await password.focus();
        // The focused field in error keeps the error colour, not the focus blue.
        const colours = await password.evaluate((input) => {
          const style = getComputedStyle(input);
          const danger = getComputedStyle(document.body).getPropertyValue('--danger').trim();
          const probe = document.createElement('span');
          probe.style.color = danger;
          document.body.append(probe);
          const dangerRgb = getComputedStyle(probe).color;
          probe.remove();
          return { focused: document.activeElement === input, border: style.borderTopColor, outline: style.outlineColor, danger: dangerRgb };
        });
        expect(colours.focused).toBe(true);
        expect(colours.border).toBe(colours.danger);
        expect(colours.outline).toBe(colours.danger);
        await check('wizard-wrong-password');

        const toggle = ui.wizard.getByRole('button', { name: 'Show password' });
        await toggle.click();
        expect(await toggle.getAttribute('aria-pressed')).toBe('true');
        await password.fill('Right-Password-1');
        await ui.wizard.getByTestId('pfx-certificate').waitFor();
        await check('wizard-pfx-chosen');
        await ui.wizard.getByRole('button', { name: 'Next >' }).click();
        await ui.wizard.getByTestId('summary-step').waitFor();
        await check('wizard-summary-pfx');

        expect(found).toEqual({});
        await page.close();
      });
    }
  }

  it('leads from the playground back to the console', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    await page.goto(baseUrl);
    await new ConsolePage(page, 'playground-link').signIn(operator.username, operator.password);
    await page.goto(`${baseUrl}/playground`);
    await page.getByRole('link', { name: /console/i }).click();
    await page.waitForURL(`${baseUrl}/`);
    await page.getByRole('treeitem').first().waitFor();
    await page.close();
  });
});
