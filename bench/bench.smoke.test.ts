import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import type { BenchRow } from './src/row.js';

// Proves the suite runs end to end; the numbers of one tiny round say nothing, so none is asserted.
it('runs every bench row once with `--smoke`', async () => {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'bam-bench-smoke-'));
  try {
    const output = path.join(folder, 'results.json');
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'main.ts', '--smoke', '--output', output], {
      cwd: path.dirname(fileURLToPath(import.meta.url)),
    });
    const { rows } = JSON.parse(await readFile(output, 'utf8')) as { rows: BenchRow[] };
    expect(rows.map((row) => row.name)).toEqual(
      expect.arrayContaining([
        'read: throughput',
        'PFX read: AES-256/PBKDF2 (OpenSSL default)',
        'PFX read: legacy 3DES/RC2 (-legacy)',
        'removeApplications',
        'removeApplications, baseline with its records',
        'updateCertificate (store)',
        'subscription fan-out: 3 subscribers',
        'SQL statements per read',
        'memory: RSS after start, embedded',
        'event-loop delay p99 during PFX imports',
        'console: initial JS + CSS, gzip',
        'console: cold load to Organizations view',
        'console: open manager window',
      ]),
    );
    for (const row of rows) expect(Number.isFinite(row.project), row.name).toBe(true);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});
