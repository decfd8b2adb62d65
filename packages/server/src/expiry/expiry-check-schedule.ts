import type { Clock } from '../common/clock.js';
import type { Logger } from '../logging/logger.js';
import type { ExpiryMonitorService } from './expiry-monitor.service.js';

/** The first check comes this soon after start (or at the first interval boundary, if sooner). */
const FIRST_CHECK_AFTER_MS = 2000;
/** Timers may fire a little early: aim past the boundary, so the new interval has begun. */
const BOUNDARY_MARGIN_MS = 50;

/**
 * Runs the expiry check at the start of every interval, aligned to the clock (hourly: on the hour),
 * and once shortly after start. Every instance runs this schedule; aligned, they all try the same
 * interval at the same moment and the monitor lets one of them run it.
 */
export class ExpiryCheckSchedule {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly monitor: ExpiryMonitorService,
    private readonly intervalMs: number,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.scheduleNext(FIRST_CHECK_AFTER_MS);
  }

  /** Stops scheduling and waits for a check in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private scheduleNext(atMostMs = Infinity): void {
    if (this.stopped) return;
    const untilBoundary = this.intervalMs - (this.clock.now().getTime() % this.intervalMs) + BOUNDARY_MARGIN_MS;
    this.timer = setTimeout(() => this.attempt(), Math.min(atMostMs, untilBoundary));
  }

  private attempt(): void {
    const now = this.clock.now().getTime();
    const slotStart = new Date(now - (now % this.intervalMs));
    this.running = this.monitor
      .runScheduledCheck(slotStart)
      .catch((error: unknown) => this.logger.error({ err: error }, 'expiry check failed; retried at the next interval'))
      .finally(() => {
        this.running = undefined;
        this.scheduleNext();
      });
  }
}
