/** One deadline for several waits in turn: each wait gets what is left of it. */
export interface TimeLimit {
  /** true if `work` ended before the deadline (a failure counts as ended: it was logged where it happened). */
  before(work: Promise<unknown>): Promise<boolean>;
  /** Stops the timer, so that it keeps no process alive. */
  clear(): void;
}

export function timeLimit(ms: number): TimeLimit {
  let timer: NodeJS.Timeout | undefined;
  const reached = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return {
    before: (work) =>
      Promise.race([
        work.then(
          () => true,
          () => true,
        ),
        reached,
      ]),
    clear: () => clearTimeout(timer),
  };
}
