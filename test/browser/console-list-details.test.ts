import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAccounts } from '../../packages/server/src/demo/demo-accounts.js';
import type { ServerProcess } from '../../packages/server/test/support/server-process.js';
import { axeViolations } from '../support/axe.js';
import { launchChromium } from '../support/browser.js';
import { ConsolePage } from '../support/console-page.js';
import { spawnConsoleServer } from '../support/console-server.js';

/**
 * Sorting and filtering the Backup Applications Manager, the summary tiles that open it filtered, and
 * an application's certificate history — in Chromium at a laptop size and a narrow window, on the demo
 * data (Contoso has one application valid, one expiring, one expired and one not configured), with
 * axe-core on the filtered manager and on the details with their history.
 */
let server: ServerProcess;
let stopServer: () => Promise<void>;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  ({ server, stop: stopServer } = await spawnConsoleServer({ DEMO_DATA: 'true' }));
  [baseUrl, browser] = await Promise.all([server.started, launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await stopServer?.();
});

const operator = demoAccounts.find((account) => account.role === 'OPERATOR')!;

const shownNames = (ui: ConsolePage) => ui.manager.getByTestId('application-row').locator('.grid__name').allInnerTexts();

describe('manager lists: sort, filter, tiles, certificate history', () => {
  // The certificate updates happen in other organizations, so Contoso's tiles and sort orders stay as seeded.
  for (const { width, height, scheme, organization, updated } of [
    { width: 1366, height: 800, scheme: 'light', organization: 'northwindtraders.onmicrosoft.com', updated: 'Northwind Archive' },
    { width: 800, height: 700, scheme: 'dark', organization: 'fabrikam.onmicrosoft.com', updated: 'Fabrikam SharePoint Backup' },
  ] as const) {
    it(`at ${width}×${height}, ${scheme}`, async () => {
      const page = await browser.newPage({ viewport: { width, height } });
      await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
      await page.goto(baseUrl);
      const ui = new ConsolePage(page, `list-details-${width}x${height}-${scheme}`);
      await ui.signIn(operator.username, operator.password);
      await ui.organization('contoso.onmicrosoft.com').click();
      await page.getByTestId('summary-expired').waitFor();
      const violations: Record<string, string[]> = {};
      const check = async (screen: string) => {
        await ui.screenshot(screen);
        const found = await axeViolations(page);
        if (found.length) violations[screen] = found;
      };

      // Each tile opens the manager showing exactly the applications it counts.
      for (const [tile, state] of [
        ['summary-configured', 'configured'],
        ['summary-not-configured', 'notConfigured'],
        ['summary-expiring', 'expiring'],
        ['summary-expired', 'expired'],
      ] as const) {
        const count = Number((await page.getByTestId(tile).locator('.tile__value').innerText()).trim());
        await page.getByTestId(tile).getByRole('button').click();
        await ui.manager.waitFor();
        await expect.poll(() => ui.manager.getByTestId('state-filter').inputValue()).toBe(state);
        if (count > 0) await ui.manager.getByTestId('application-row').first().waitFor();
        else await ui.manager.getByTestId('applications-no-match').waitFor();
        expect((await shownNames(ui)).length, `${tile} shows ${count}`).toBe(count);
        if (state === 'expired') {
          expect(await shownNames(ui)).toEqual(['Contoso Backup 03']);
          expect(await ui.manager.getByTestId('selection-count').innerText()).toBe('1 of 4 shown');
          await check('manager-filtered-expired');
        }
        await ui.closeManager();
      }

      // Clear the filter: every application again.
      await page.getByTestId('summary-expired').getByRole('button').click();
      await ui.manager.getByTestId('application-row').first().waitFor();
      await ui.manager.getByRole('button', { name: 'Clear filter' }).click();
      await expect.poll(() => shownNames(ui)).toEqual(['Contoso Backup 01', 'Contoso Backup 02', 'Contoso Backup 03', 'Contoso Backup 04']);
      expect(await ui.manager.getByTestId('state-filter').inputValue()).toBe('All applications');

      // Sort by Expires with the keyboard: Tab from the table to the header, Enter, then Space to reverse.
      await ui.table.focus();
      const expiresHeader = ui.manager.getByTestId('sort-expires');
      for (let tabs = 0; tabs < 8 && !(await expiresHeader.evaluate((button) => button === document.activeElement)); tabs += 1) {
        await page.keyboard.press('Tab');
      }
      expect(await expiresHeader.evaluate((button) => button === document.activeElement)).toBe(true);
      await page.keyboard.press('Enter');
      await expect.poll(() => shownNames(ui)).toEqual(['Contoso Backup 03', 'Contoso Backup 02', 'Contoso Backup 01', 'Contoso Backup 04']);
      expect(await expiresHeader.locator('xpath=ancestor::th').getAttribute('aria-sort')).toBe('ascending');
      await ui.screenshot('sorted-by-expiry');
      await page.keyboard.press('Space');
      await expect.poll(() => shownNames(ui)).toEqual(['Contoso Backup 01', 'Contoso Backup 02', 'Contoso Backup 03', 'Contoso Backup 04']);
      expect(await expiresHeader.locator('xpath=ancestor::th').getAttribute('aria-sort')).toBe('descending');
      expect(await expiresHeader.innerText()).toContain('▼');

      // Filter by name.
      const nameFilter = ui.manager.getByRole('searchbox', { name: 'Filter by name or application ID' });
      await nameFilter.fill('backup 03');
      await expect.poll(() => shownNames(ui)).toEqual(['Contoso Backup 03']);
      await ui.screenshot('filtered-by-name');
      await nameFilter.fill('no such application');
      await expect.poll(() => ui.manager.getByTestId('applications-no-match').innerText()).toContain('No application matches the filter.');
      await ui.manager.getByRole('button', { name: 'Clear filter' }).first().click();
      await expect.poll(() => shownNames(ui)).toHaveLength(4);

      // A certificate update, then its history in the details panel.
      await ui.closeManager();
      await ui.openManagerByRightClick(organization);
      const wasConfigured = (await ui.row(updated).getByTestId('certificate-link').innerText()).trim() === 'Configured';
      await ui
        .row(updated)
        .getByRole('button', { name: /Configured|Not configured/ })
        .click();
      await ui.wizard.getByRole('radio', { name: /Select certificate from the Certificate Store/ }).check();
      await ui.wizard.getByRole('button', { name: 'Next >' }).click();
      await ui.wizard.getByRole('searchbox', { name: 'Search certificates' }).fill('Backup Certificate 2027');
      const storeRows = ui.wizard.getByTestId('store-row');
      await expect.poll(() => storeRows.count()).toBe(1);
      const thumbprint = (await storeRows.first().getAttribute('data-thumbprint'))!;
      await storeRows.first().getByRole('radio').check();
      await ui.wizard.getByRole('button', { name: 'Next >' }).click();
      await ui.wizard.getByRole('button', { name: 'Finish' }).click();
      await ui.wizard.waitFor({ state: 'detached' });

      await ui.clickRow(updated);
      await ui.manager.getByRole('button', { name: 'Show certificate history' }).click();
      const history = ui.manager.getByTestId('certificate-history');
      const newest = history.getByTestId('history-change').first();
      await newest.waitFor();
      expect(await newest.innerText()).toContain(`by user:${operator.username}, from the certificate store`);
      expect(await newest.getByTestId('history-to').innerText()).toBe(thumbprint);
      const from = await newest.getByTestId('history-from').innerText();
      if (wasConfigured) expect(from).toMatch(/^[0-9A-F]{40}$/);
      else expect(from).toBe('Not configured');
      await history.scrollIntoViewIfNeeded();
      await check('details-with-history');

      expect(violations).toEqual({});
      await page.close();
    });
  }
});
