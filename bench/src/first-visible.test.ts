import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../../test/support/browser.js';
import { waitForFirstVisible } from './first-visible.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser.close());

/** Whether `waiting` has settled once the page has rendered a few more frames. */
async function settledAfterFrames(page: Page, waiting: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void waiting.then(() => (settled = true));
  await page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        let frames = 5;
        const next = () => (--frames === 0 ? resolve() : requestAnimationFrame(next));
        requestAnimationFrame(next);
      }),
  );
  return settled;
}

it('waits for the first matching element to be laid out and visible, not merely present', async () => {
  const page = await browser.newPage();
  try {
    await page.setContent(`<ul><li class="item" style="visibility: hidden">one</li><li class="item">two</li></ul><p class="later" hidden>x</p>`);

    // The first match is hidden: the second one being visible does not count.
    const firstItem = waitForFirstVisible(page, '.item');
    expect(await settledAfterFrames(page, firstItem)).toBe(false);
    await page.evaluate(() => (document.querySelector<HTMLElement>('.item')!.style.visibility = 'visible'));
    await firstItem;

    // Present but not laid out (`hidden`), then shown.
    const later = waitForFirstVisible(page, '.later');
    expect(await settledAfterFrames(page, later)).toBe(false);
    await page.evaluate(() => (document.querySelector<HTMLElement>('.later')!.hidden = false));
    await later;

    // Absent, then added.
    const added = waitForFirstVisible(page, '.added');
    expect(await settledAfterFrames(page, added)).toBe(false);
    await page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<p class="added">added</p>'));
    await added;
  } finally {
    await page.close();
  }
});
