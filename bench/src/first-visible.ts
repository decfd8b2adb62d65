import type { Page } from 'playwright-core';

/**
 * Resolves once the first element matching `selector` is visible, checked on every animation frame.
 * Visible as Playwright's `visible` state has it: a laid-out box of non-zero size, not `visibility: hidden`.
 *
 * Not `locator.waitFor()`: it checks at growing intervals (0, 20, 50, 100, 100 ms, then every 500 ms),
 * so a time measured with it is that of the next check, 10–400 ms after the element appeared in the
 * bench's cold loads, and a page a few milliseconds slower could measure 500 ms slower.
 */
export async function waitForFirstVisible(page: Page, selector: string): Promise<void> {
  await page.waitForFunction(
    (firstOf) => {
      const element = document.querySelector(firstOf);
      if (!element) return false;
      const box = element.getBoundingClientRect();
      return box.width > 0 && box.height > 0 && getComputedStyle(element).visibility === 'visible';
    },
    selector,
    { polling: 'raf' },
  );
}
