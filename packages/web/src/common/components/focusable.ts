const FOCUSABLE = [
  'a[href]',
  'button:not([disabled])',
  'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  '[tabindex]:not([tabindex="-1"])',
].join(',');

/** Elements of `root` that Tab reaches, in order (hidden ones excluded where layout is known). */
export function tabbableElements(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (element) => element.tabIndex >= 0 && !element.closest('[inert]') && !(element as HTMLInputElement).disabled && isShown(element),
  );
}

function isShown(element: HTMLElement): boolean {
  // Without layout (DOM emulations) every element counts as shown.
  if (typeof element.checkVisibility === 'function') return element.checkVisibility();
  return true;
}
