import type pg from 'pg';
import type { RunningProcess } from './servers.js';

/** One line of the bench table. */
export interface BenchRow {
  name: string;
  unit: string;
  project: number;
  /** The baseline's value, for rows measured against one. */
  baseline?: number;
  /** project ÷ baseline. */
  ratio?: number;
  /** The target, e.g. `ratio ≥ 0.9` or `≤ 200 KB`. */
  target?: string;
  /** Whether the target is met; absent for rows without one. */
  pass?: boolean;
  note?: string;
}

/** Sizes and repetitions: the full run, or `--smoke` (each row once, tiny sizes). */
export interface BenchSizes {
  rounds: number;
  loadMs: number;
  concurrency: number;
  pageSize: number;
  applicationsPerOrganization: number;
  bulkApplications: number;
  /** Alternated rounds of each bulk row, after `bulkWarmUps` of each side. */
  bulkRounds: number;
  bulkWarmUps: number;
  /**
   * Alternated cold loads of the console and the plain page, after `coldLoadWarmUps` of each: one takes
   * 120–300 ms on two cores, and five swung the ratio 0.94–1.75× in four runs.
   */
  coldLoadRounds: number;
  coldLoadWarmUps: number;
  pfxReadsPerSample: number;
  pfxImports: number;
  managerApplications: number;
  statementOrganizations: [number, number];
  /** Subscribers one event is delivered to, one row each. */
  fanOutSubscribers: number[];
  /** Alternated deliveries per fan-out row, after `fanOutWarmUps` of each side: one takes 5–100 ms, and five swung 0.6–2× (30: within ±0.1×). */
  fanOutRounds: number;
  fanOutWarmUps: number;
}

export const fullSizes: BenchSizes = {
  rounds: 5,
  loadMs: 3_000,
  concurrency: 4,
  pageSize: 20,
  applicationsPerOrganization: 20,
  bulkApplications: 1_000,
  bulkRounds: 21,
  bulkWarmUps: 3,
  coldLoadRounds: 21,
  coldLoadWarmUps: 2,
  pfxReadsPerSample: 20,
  pfxImports: 16,
  managerApplications: 1_000,
  statementOrganizations: [10, 100],
  fanOutSubscribers: [100, 1_000, 5_000],
  fanOutRounds: 30,
  fanOutWarmUps: 3,
};

export const smokeSizes: BenchSizes = {
  rounds: 1,
  loadMs: 300,
  concurrency: 2,
  pageSize: 2,
  applicationsPerOrganization: 3,
  bulkApplications: 5,
  bulkRounds: 1,
  bulkWarmUps: 1,
  coldLoadRounds: 1,
  coldLoadWarmUps: 1,
  pfxReadsPerSample: 1,
  pfxImports: 2,
  managerApplications: 5,
  statementOrganizations: [2, 4],
  fanOutSubscribers: [3],
  fanOutRounds: 1,
  fanOutWarmUps: 1,
};

/** What the rows share: the sizes, and the built server running on a PostgreSQL database the bench owns. */
export interface BenchContext {
  sizes: BenchSizes;
  databaseUrl: string;
  pool: pg.Pool;
  server: RunningProcess;
}

/** A row measured against a baseline; `higherIsBetter` tells which way the target bound points. */
export function ratioRow(
  name: string,
  unit: string,
  values: { project: number; baseline: number },
  bound?: { higherIsBetter: boolean; limit: number },
  note?: string,
): BenchRow {
  const ratio = values.project / values.baseline;
  return {
    name,
    unit,
    ...values,
    ratio,
    ...(bound && {
      target: `ratio ${bound.higherIsBetter ? '≥' : '≤'} ${bound.limit}`,
      pass: bound.higherIsBetter ? ratio >= bound.limit : ratio <= bound.limit,
    }),
    ...(note && { note }),
  };
}

/** A row with an absolute target (or none). */
export function valueRow(name: string, unit: string, project: number, bound?: { max: number }, note?: string): BenchRow {
  return {
    name,
    unit,
    project,
    ...(bound && { target: `≤ ${bound.max} ${unit}`, pass: project <= bound.max }),
    ...(note && { note }),
  };
}
