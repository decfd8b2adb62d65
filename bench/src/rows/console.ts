import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { launchChromium } from '../../../test/support/browser.js';
import { seedApplications, seedOrganizations } from '../fixtures.js';
import { waitForFirstVisible } from '../first-visible.js';
import { sessionCookieFor } from '../load.js';
import { alternate, median, warmUp } from '../measure.js';
import { inventoryQuery } from '../queries.js';
import { type BenchContext, type BenchRow, ratioRow, valueRow } from '../row.js';

const webDist = fileURLToPath(new URL('../../../packages/web/dist/', import.meta.url));
const plainPage = 'bench-plain.html';
const plainScript = 'bench-plain.js';

/**
 * The console's build with one extra page: the cold-load baseline, a plain page that fetches the
 * inventory's query and lists the names. The server serves it from the same folder, the same way.
 */
export async function prepareWebDist(): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'bam-bench-web-'));
  await cp(webDist, folder, { recursive: true });
  // The script is a file of its own: the server's Content-Security-Policy allows no inline script.
  await writeFile(
    path.join(folder, plainPage),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Organizations</title></head><body><ul role="tree"></ul><script src="/${plainScript}"></script></body></html>`,
  );
  await writeFile(
    path.join(folder, plainScript),
    `fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query: ${JSON.stringify(inventoryQuery)}, variables: { first: 100 } }) })
  .then((response) => response.json())
  .then(({ data }) => {
    const list = document.querySelector('ul');
    for (const { node } of data.organizations.edges) {
      const item = document.createElement('li');
      item.setAttribute('role', 'treeitem');
      item.textContent = node.name;
      list.append(item);
    }
  });
`,
  );
  return folder;
}

/** The console's initial JavaScript and CSS (what dist/index.html loads), as scripts/initial-size.mjs counts it. */
async function initialAssets(): Promise<{ raw: number; gzip: number; brotli: number }> {
  const html = await readFile(path.join(webDist, 'index.html'), 'utf8');
  const totals = { raw: 0, gzip: 0, brotli: 0 };
  for (const [, asset] of html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)) {
    const content = await readFile(path.join(webDist, asset!));
    totals.raw += content.length;
    totals.gzip += gzipSync(content, { level: 9 }).length;
    totals.brotli += brotliCompressSync(content).length;
  }
  return totals;
}

/** Bundle size, bytes a cold browser downloads, time to the Organizations view and to a manager window. */
export async function consoleRows({ sizes, pool, server }: BenchContext): Promise<BenchRow[]> {
  const kB = 1024;
  const assets = await initialAssets();
  const [manager] = await seedOrganizations(pool, { prefix: 'zz-manager', organizations: 1, applications: 0 });
  await seedApplications(pool, manager!.id, sizes.managerApplications);

  const browser = await launchChromium();
  try {
    /** A fresh context: an empty cache, as on a first visit. */
    const withPage = async <T>(work: (page: Page) => Promise<T>): Promise<T> => {
      const context = await browser.newContext();
      // Signed in, as an administrator returning to the console is: the session cookie, nothing cached.
      const [name, value] = sessionCookieFor(server.url)!.split('=') as [string, string];
      await context.addCookies([{ name, value, url: server.url }]);
      try {
        return await work(await context.newPage());
      } finally {
        await context.close();
      }
    };
    const coldLoad = (pagePath: string, item: string) => () =>
      withPage(async (page) => {
        const started = performance.now();
        await page.goto(`${server.url}${pagePath}`, { waitUntil: 'commit' });
        await waitForFirstVisible(page, item);
        return performance.now() - started;
      });

    const transferred = await withPage(async (page) => {
      let bytes = 0;
      const counted: Promise<void>[] = [];
      page.on('requestfinished', (request) => {
        if (['script', 'stylesheet'].includes(request.resourceType()))
          counted.push(request.sizes().then((size) => void (bytes += size.responseBodySize)));
      });
      await page.goto(`${server.url}/`, { waitUntil: 'networkidle' });
      await Promise.all(counted);
      return bytes;
    });

    const [consoleLoad, plainLoad] = [coldLoad('/', '[data-testid="organization-item"]'), coldLoad(`/${plainPage}`, 'li[role="treeitem"]')];
    // The browser's first pages are slower (its processes and caches start): unmeasured, for both sides.
    await warmUp(sizes.coldLoadWarmUps, consoleLoad, plainLoad);
    const cold = await alternate(sizes.coldLoadRounds, consoleLoad, plainLoad);

    const managerOpen: number[] = [];
    for (let round = 0; round < sizes.rounds; round += 1) {
      managerOpen.push(
        await withPage(async (page) => {
          await page.goto(`${server.url}/`);
          const organization = page.getByRole('treeitem', { name: new RegExp(manager!.name.replaceAll('.', '\\.')) });
          await organization.waitFor();
          // The view may come rendered by the server: a click before the console's code has taken it over would be lost.
          await page.locator('#app[data-started]').waitFor({ state: 'attached' });
          const started = performance.now();
          await organization.click({ button: 'right' });
          await page.getByRole('menu').getByRole('menuitem', { name: 'Manage backup applications' }).click();
          await waitForFirstVisible(page, '[data-testid="application-row"]');
          // Interactive: the frame with the rows has been painted and the main thread is free again.
          await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve))));
          return performance.now() - started;
        }),
      );
    }

    return [
      valueRow(
        'console: initial JS + CSS, gzip',
        'KB',
        assets.gzip / kB,
        { max: 200 },
        `raw ${(assets.raw / kB).toFixed(1)} KB, brotli ${(assets.brotli / kB).toFixed(1)} KB`,
      ),
      valueRow('console: initial JS + CSS as transferred', 'KB', transferred / kB, undefined, 'bytes on the wire, cold cache'),
      ratioRow(
        'console: cold load to Organizations view',
        'ms',
        cold,
        { higherIsBetter: false, limit: 1.5 },
        'baseline: plain page fetching the same query',
      ),
      valueRow(
        'console: open manager window',
        'ms',
        median(managerOpen),
        undefined,
        `${sizes.managerApplications} applications, from the right-click`,
      ),
    ];
  } finally {
    await browser.close();
  }
}
