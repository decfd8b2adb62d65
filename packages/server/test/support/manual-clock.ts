import type { Clock } from '../../src/common/clock.js';

/** A clock the test moves by hand, for rules that depend on the time (the expiry monitor). */
export class ManualClock implements Clock {
  private current: Date;

  constructor(start: Date = new Date()) {
    this.current = start;
  }

  now(): Date {
    return this.current;
  }

  set(time: Date): void {
    this.current = time;
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
