/**
 * The bench: `pnpm bench` (full, a few minutes) or `pnpm bench --smoke` (each row once, tiny sizes);
 * `--only pfx,read` runs only those groups of rows (see `groups`).
 * Measures the built product (run `pnpm build` first; the root script does) against baselines on
 * this machine, prints a Markdown table and writes every row to bench-results.json. Targets are
 * reported, never asserted: timings depend on the machine.
 */
import { rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { seedOrganizations } from './src/fixtures.js';
import { markdownTable } from './src/report.js';
import { type BenchContext, type BenchRow, fullSizes, smokeSizes } from './src/row.js';
import { bulkRows } from './src/rows/bulk.js';
import { consoleRows, prepareWebDist } from './src/rows/console.js';
import { embeddedMemoryRows } from './src/rows/embedded-memory.js';
import { fanOutRows } from './src/rows/fan-out.js';
import { inProcessRows } from './src/rows/in-process.js';
import { pfxRows } from './src/rows/pfx.js';
import { readRows } from './src/rows/read.js';
import { createBenchDatabase, startProjectServer } from './src/servers.js';

const smoke = process.argv.includes('--smoke');
const outputArgument = process.argv.indexOf('--output');
const output =
  outputArgument > 0
    ? process.argv[outputArgument + 1]!
    : fileURLToPath(new URL(smoke ? '../bench-results.smoke.json' : '../bench-results.json', import.meta.url));
const sizes = smoke ? smokeSizes : fullSizes;

const groups = {
  read: readRows,
  bulk: bulkRows,
  'fan-out': fanOutRows,
  console: consoleRows,
  pfx: pfxRows,
  'in-process': inProcessRows,
  'embedded-memory': embeddedMemoryRows,
};
const onlyArgument = process.argv.indexOf('--only');
const selected = onlyArgument > 0 ? process.argv[onlyArgument + 1]!.split(',') : Object.keys(groups);
const unknown = selected.filter((name) => !(name in groups));
if (unknown.length > 0) throw new Error(`unknown row groups ${unknown.join(', ')}; known: ${Object.keys(groups).join(', ')}`);

const database = await createBenchDatabase();
const webDist = await prepareWebDist();
const pool = new pg.Pool({ connectionString: database.url, max: 4 });
const rows: BenchRow[] = [];
try {
  const server = await startProjectServer({ databaseUrl: database.url, environment: { WEB_DIST_DIR: webDist } });
  try {
    await seedOrganizations(pool, { prefix: 'bench', organizations: sizes.pageSize, applications: sizes.applicationsPerOrganization });
    const context: BenchContext = { sizes, databaseUrl: database.url, pool, server };
    for (const measure of selected.map((name) => groups[name as keyof typeof groups])) {
      const started = performance.now();
      rows.push(...(await measure(context)));
      console.error(`${measure.name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await server.stop();
  }
} finally {
  await pool.end();
  await database.drop();
  await rm(webDist, { recursive: true, force: true });
}

console.log(markdownTable(rows));
await writeFile(output, `${JSON.stringify({ date: new Date().toISOString(), smoke, node: process.version, rows }, null, 2)}\n`);
console.log(`\nwritten to ${output}`);
// Every row must hold a number: a NaN means a measurement silently did nothing.
if (rows.some((row) => !Number.isFinite(row.project) || (row.baseline !== undefined && !Number.isFinite(row.baseline)))) {
  console.error('some rows hold no number');
  process.exitCode = 1;
}
