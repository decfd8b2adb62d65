import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Runs the project's and the baseline's measurement in turns (project, baseline, project, …), so
 * that both see the same machine state — a noisy neighbour or a warming cache affects both alike.
 */
export async function alternate(rounds: number, project: () => Promise<number>, baseline: () => Promise<number>) {
  const samples = { project: [] as number[], baseline: [] as number[] };
  for (let round = 0; round < rounds; round += 1) {
    samples.project.push(await project());
    samples.baseline.push(await baseline());
  }
  return { project: median(samples.project), baseline: median(samples.baseline), samples };
}

// Linux reports process CPU time in clock ticks (usually 100 per second).
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU time (user + system) a process has used so far, in ms, from /proc. */
export function processCpuMs(pid: number): number {
  // The command name in parentheses may hold spaces: count fields after its closing parenthesis.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

/** Resident memory of a process, in bytes, from /proc. */
export function processRssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** Samples a process's RSS every `intervalMs` until stopped; returns the highest value seen. */
export function sampleRss(pid: number, intervalMs = 100): { stop(): number } {
  let highest = processRssBytes(pid);
  const timer = setInterval(() => (highest = Math.max(highest, processRssBytes(pid))), intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(highest, processRssBytes(pid));
    },
  };
}

/** Runs each side `rounds` times in turns, unmeasured: a process's first calls (JIT, caches) are slower. */
export async function warmUp(rounds: number, ...sides: (() => Promise<unknown>)[]): Promise<void> {
  for (let round = 0; round < rounds; round += 1) for (const side of sides) await side();
}

/** Wall time of one asynchronous call, in ms. */
export async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

/** How often the event loop monitor samples, in ms (Node's default). */
const LAG_SAMPLING_MS = 10;

/**
 * The p99 of how late the event loop ran while `work` went on, in ms. Node's histogram records the
 * time between its timer's ticks, the sampling interval included: an idle loop shows 10 ms
 * (nodejs/node#62935; open-telemetry-js-contrib#2794 takes it off the same way), so it is taken off.
 */
export async function eventLoopLagP99(work: () => Promise<void>): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: LAG_SAMPLING_MS });
  histogram.enable();
  try {
    await work();
  } finally {
    histogram.disable();
  }
  return Math.max(0, histogram.percentile(99) / 1e6 - LAG_SAMPLING_MS);
}
