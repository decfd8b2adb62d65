import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAccounts } from '../../packages/server/src/demo/demo-accounts.js';
import type { ServerProcess } from '../../packages/server/test/support/server-process.js';
import type { TestDatabase } from '../../packages/server/test/support/test-database.js';
import { launchChromium } from '../support/browser.js';
import { ConsolePage } from '../support/console-page.js';
import { seedScaleOrganization, spawnConsoleServer } from '../support/console-server.js';

/**
 * The console at the window sizes administrators use — a 1366×800 laptop, the same at 125 % zoom
 * (about 1,093 px) and a narrow 800×700 window — measured in Chromium: every column of the manager
 * keeps a readable width and no cell's content is cut off. On a phone (375×667) and a tablet in portrait
 * (768×1024), emulated as touch screens, the page stays as wide as the screen, the header and the
 * organization's ⋯ menu stay on it, and the manager's names stay readable.
 */
let database: TestDatabase;
let server: ServerProcess;
let stopServer: () => Promise<void>;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  ({ database, server, stop: stopServer } = await spawnConsoleServer({ DEMO_DATA: 'true' }));
  [baseUrl, browser] = await Promise.all([server.started, launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await stopServer?.();
});

async function openConsole(
  width: number,
  height: number,
  prefix: string,
  { role = 'OPERATOR', touch = false }: { role?: 'OPERATOR' | 'ADMINISTRATOR'; touch?: boolean } = {},
): Promise<{ page: Page; ui: ConsolePage }> {
  // A touch screen's browser lays the page out as wide as its content: what sticks out widens the page.
  const page = await browser.newPage({ viewport: { width, height }, ...(touch && { isMobile: true, hasTouch: true }) });
  await page.goto(baseUrl);
  const ui = new ConsolePage(page, prefix);
  const account = demoAccounts.find((candidate) => candidate.role === role)!;
  await ui.signIn(account.username, account.password);
  await ui.organization('contoso.onmicrosoft.com').waitFor();
  return { page, ui };
}

interface Measured {
  columns: { name: string; width: number; visible: boolean }[];
  overflowing: string[];
  tableScrolls: boolean;
}

/** Rendered widths of the header cells, and every cell whose content is wider than the cell. */
function measureTable(page: Page): Promise<Measured> {
  return page.evaluate(() => {
    const table = document.querySelector<HTMLElement>('[data-testid="applications-table"]')!;
    const viewport = document.querySelector<HTMLElement>('[data-testid="applications-viewport"]')!;
    const columns = Array.from(table.querySelectorAll<HTMLElement>('thead th')).map((th) => ({
      // The column's label, without the sort arrow beside it.
      name: th.textContent?.replace(/[▲▼]/g, '').trim() || th.querySelector('input')?.getAttribute('aria-label') || '',
      width: th.getBoundingClientRect().width,
      visible: th.offsetParent !== null,
    }));
    const overflowing: string[] = [];
    for (const cell of Array.from(table.querySelectorAll<HTMLElement>('tbody tr[data-testid="application-row"] td'))) {
      if (cell.offsetParent === null) continue;
      const inner = [cell, ...Array.from(cell.querySelectorAll<HTMLElement>('*'))];
      for (const element of inner) {
        // Text kept for screen readers only (1 px, clipped) is not content cut off.
        if (element.scrollWidth > element.clientWidth + 1 && element.clientWidth > 1) {
          overflowing.push(
            `${cell.closest('tr')?.getAttribute('data-application-id')}: "${cell.textContent?.trim()}" ${element.scrollWidth} > ${element.clientWidth}`,
          );
          break;
        }
      }
      const cellBox = cell.getBoundingClientRect();
      for (const element of Array.from(cell.querySelectorAll<HTMLElement>('*'))) {
        const box = element.getBoundingClientRect();
        if (box.width > 1 && (box.right > cellBox.right + 1 || box.left < cellBox.left - 1)) {
          overflowing.push(`${cell.textContent?.trim()}: child sticks out of its cell`);
          break;
        }
      }
    }
    return { columns, overflowing, tableScrolls: viewport.scrollWidth > viewport.clientWidth + 1 };
  });
}

describe('console layout', () => {
  for (const [width, height] of [
    [1366, 800],
    [1093, 800],
    [800, 700],
  ] as const) {
    it(`keeps every manager column readable and nothing cut off at ${width}×${height}`, async () => {
      const { page, ui } = await openConsole(width, height, `layout-${width}x${height}`);
      await ui.openManagerByRightClick('contoso.onmicrosoft.com');
      await ui.row('Contoso Backup 02').waitFor();
      await ui.screenshot('manager');

      const { columns, overflowing, tableScrolls } = await measureTable(page);
      const column = (name: string) => columns.find((candidate) => candidate.name === name);
      for (const name of ['Display name', 'Certificate', 'Thumbprint', 'Expires']) {
        expect(column(name)?.visible, `${name} is shown`).toBe(true);
        expect(column(name)?.width, `${name} is wide enough to read`).toBeGreaterThanOrEqual(100);
      }
      // The application id is either a whole GUID wide, or moved to the details panel.
      const applicationId = column('Application ID');
      if (applicationId?.visible) expect(applicationId.width).toBeGreaterThanOrEqual(270);
      else {
        await ui.clickRow('Contoso Backup 02');
        expect(await page.getByTestId('application-details').innerText()).toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
      }
      expect(overflowing).toEqual([]);
      expect(tableScrolls, 'the table does not scroll sideways').toBe(false);
      await page.close();
    });
  }
});

describe('console layout with 1,000 applications', () => {
  beforeAll(async () => {
    await seedScaleOrganization(database);
  });

  /** The header cells' widths and how much of the table's width the header row leaves empty on the right. */
  function measureColumns(page: Page) {
    return page.evaluate(() => {
      const table = document.querySelector<HTMLElement>('[data-testid="applications-table"]')!;
      const cells = Array.from(table.querySelectorAll<HTMLElement>('thead th')).filter((th) => th.offsetParent !== null);
      const widths = Object.fromEntries(cells.map((th) => [th.textContent?.replace(/[▲▼]/g, '').trim() ?? '', th.getBoundingClientRect().width]));
      const lastRight = cells.at(-1)!.getBoundingClientRect().right;
      return { widths, emptyOnTheRight: table.getBoundingClientRect().right - lastRight };
    });
  }

  // The table scrolls virtually: spacer rows above and below the rendered ones span every column shown,
  // and must not add a column of their own once the Application ID column is hidden.
  for (const width of [1024, 800]) {
    it(`gives the columns the same widths as for a few applications at ${width} px`, async () => {
      const { page, ui } = await openConsole(width, 700, `layout-scale-${width}`);
      await ui.openManagerByRightClick('contoso.onmicrosoft.com');
      const few = await measureColumns(page);
      await ui.closeManager();

      await ui.openManagerByRightClick('scale.onmicrosoft.com');
      // Scrolled to the middle: spacer rows above and below.
      await page.getByTestId('applications-viewport').evaluate((viewport) => (viewport.scrollTop = 20_000));
      await expect.poll(() => page.getByTestId('application-row').first().getAttribute('aria-rowindex')).not.toBe('2');
      await ui.screenshot('manager-scrolled');
      const many = await measureColumns(page);

      expect(many.emptyOnTheRight, 'the columns fill the table').toBeLessThan(2);
      expect(Object.keys(many.widths)).toEqual(Object.keys(few.widths));
      // Only the vertical scroll bar of the long list may take some width from the name.
      expect(many.widths['Display name']).toBeGreaterThan(few.widths['Display name']! - 20);
      expect(many.widths['Display name']).toBeGreaterThanOrEqual(150);
      const { overflowing, tableScrolls } = await measureTable(page);
      expect(overflowing).toEqual([]);
      expect(tableScrolls, 'the table does not scroll sideways').toBe(false);
      await page.close();
    });
  }
});

describe('console layout on a phone and a tablet', () => {
  /** Elements whose box leaves the screen's width, or whose text is cut off inside them. */
  function outsideTheScreen(page: Page, selector: string, width: number): Promise<string[]> {
    return page.evaluate(
      ({ selector, width }) =>
        Array.from(document.querySelectorAll<HTMLElement>(selector)).flatMap((element) => {
          const box = element.getBoundingClientRect();
          const name = element.dataset.testid ?? element.className;
          const problems: string[] = [];
          if (box.left < 0 || box.right > width + 0.5) problems.push(`${name} at x=${Math.round(box.left)}–${Math.round(box.right)}`);
          if (element.scrollWidth > element.clientWidth + 1) problems.push(`${name} cut: ${element.scrollWidth} > ${element.clientWidth}`);
          return problems;
        }),
      { selector, width },
    );
  }

  for (const [width, height] of [
    [375, 667],
    [768, 1024],
  ] as const) {
    it(`keeps the page, the header and an organization's ⋯ menu on a ${width}×${height} touch screen`, async () => {
      const { page, ui } = await openConsole(width, height, `layout-touch-${width}x${height}`, { role: 'ADMINISTRATOR', touch: true });
      await ui.screenshot('organizations');

      expect(await page.evaluate(() => document.documentElement.scrollWidth), 'the page is no wider than the screen').toBeLessThanOrEqual(width);
      // Every control of the header is reachable, and its title is not cut at the top.
      for (const testId of ['switch-view', 'signed-in-user', 'sign-out']) await expect.poll(() => page.getByTestId(testId).isVisible()).toBe(true);
      expect(await outsideTheScreen(page, '.app__header, .app__header > *, .app__nav > *', width)).toEqual([]);
      const [header, title] = await Promise.all([page.locator('.app__header').boundingBox(), page.locator('.app__title').boundingBox()]);
      expect(title!.y, 'the title starts inside the header').toBeGreaterThanOrEqual(header!.y);
      expect(title!.y + title!.height, 'the title ends inside the header').toBeLessThanOrEqual(header!.y + header!.height + 0.5);

      await ui.organization('fabrikam.onmicrosoft.com').click();
      await page.getByTestId('organization-menu-button').nth(1).tap();
      await ui.menu.waitFor();
      await ui.screenshot('menu');
      expect(await outsideTheScreen(page, '[data-testid="context-menu"], [data-testid="context-menu"] [role="menuitem"]', width)).toEqual([]);
      await page.close();
    });
  }

  // 375 a phone, 500 and 640 a narrow window or a phone held sideways, 768 a tablet in portrait.
  for (const [width, height] of [
    [375, 667],
    [500, 700],
    [640, 700],
    [768, 1024],
  ] as const) {
    it(`keeps the manager's names readable and nothing cut off at ${width}×${height}`, async () => {
      const { page, ui } = await openConsole(width, height, `layout-names-${width}x${height}`, { touch: true });
      await ui.openManagerByRightClick('fabrikam.onmicrosoft.com');
      await ui.row('Fabrikam SharePoint Backup').waitFor();
      await ui.screenshot('manager');

      const { columns, overflowing, tableScrolls } = await measureTable(page);
      const name = columns.find((column) => column.name === 'Display name');
      expect(name?.width, 'the name column keeps a readable width').toBeGreaterThanOrEqual(120);
      const names = await page
        .locator('[data-testid="application-row"] .grid__name')
        .evaluateAll((cells) =>
          cells.map((cell) => ({ text: cell.textContent ?? '', cut: cell.scrollWidth > cell.clientWidth + 1, width: cell.clientWidth })),
        );
      expect(names.length).toBe(3);
      // Every name shows its first words; from 640 px the whole of each, on a phone a long one ends in "…".
      for (const cell of names) expect(cell.width, `${cell.text} shows`).toBeGreaterThanOrEqual(120);
      if (width >= 640) expect(names.filter((cell) => cell.cut)).toEqual([]);
      // Only a name may end in "…" (its whole text is in the details panel); no other cell is cut.
      expect(overflowing.filter((entry) => !names.some((cell) => entry.includes(`"${cell.text}"`)))).toEqual([]);
      expect(tableScrolls, 'the table does not scroll sideways').toBe(false);

      // What the table leaves out at this width is in the details panel.
      await ui.clickRow('Fabrikam SharePoint Backup');
      const details = await page.getByTestId('application-details').innerText();
      expect(details).toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
      expect(details).toMatch(/Expiring soon/);
      await page.close();
    });
  }
});
