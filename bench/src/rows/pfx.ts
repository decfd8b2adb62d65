import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type BenchContext, type BenchRow, ratioRow } from '../row.js';

const child = fileURLToPath(new URL('./pfx-child.ts', import.meta.url));

/** PFX read by the project's reader against `tls.createSecureContext({ pfx, passphrase })`. */
export async function pfxRows({ sizes }: BenchContext): Promise<BenchRow[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--openssl-legacy-provider', '--import', 'tsx', child, String(sizes.rounds), String(sizes.pfxReadsPerSample)],
    { cwd: fileURLToPath(new URL('.', import.meta.url)) },
  );
  const results = JSON.parse(stdout) as Record<'aes' | 'legacy', { project: number; baseline: number }>;
  return [
    ratioRow('PFX read: AES-256/PBKDF2 (OpenSSL default)', 'ms', results.aes, { higherIsBetter: false, limit: 1.5 }),
    ratioRow(
      'PFX read: legacy 3DES/RC2 (-legacy)',
      'ms',
      results.legacy,
      { higherIsBetter: false, limit: 2 },
      'baseline needs --openssl-legacy-provider',
    ),
  ];
}
