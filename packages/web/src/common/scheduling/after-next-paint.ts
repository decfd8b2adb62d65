/**
 * Runs `callback` once the browser has painted what changed so far: an animation frame runs just
 * before a paint, and a task queued from it runs after that paint. For work that would otherwise
 * delay showing something the user is waiting for.
 */
export function afterNextPaint(callback: () => void): void {
  requestAnimationFrame(() => setTimeout(callback));
}
