import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { errorMessages } from '@bam/shared';
import { describe, expect, it } from 'vitest';
import { runCommandLine } from '../support/command-line.js';

// The operator command line, with words that need no database.

describe('the operator command line', () => {
  it('prints its usage for --help and help, and succeeds', async () => {
    for (const args of [['--help'], ['help'], ['rotate-master-key', '--help']]) {
      const result = await runCommandLine(args);
      expect(result, args.join(' ')).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toContain('rotate-master-key');
    }
  });

  it('refuses an unknown option, or one of another command, with the usage and no stack', async () => {
    for (const [args, problem] of [
      [['import-certificate', '--bogus'], "Unknown option '--bogus'"],
      [['check-expiry', '--non-exportable'], '--non-exportable is not an option of check-expiry'],
    ] as const) {
      const result = await runCommandLine([...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(problem);
      expect(result.stderr).toContain('Usage:');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('names an unknown command on the error output', async () => {
    const result = await runCommandLine(['rotate-everything']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Unknown command: rotate-everything');
  });

  it('import-certificate refuses a file over PFX_MAX_BYTES by its size, before reading it, as the API does', async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'bam-cli-'));
    try {
      // One byte over the limit, and a sparse file of 3 GiB: reading it whole would fail (Node reads at most 2 GiB).
      const [overLimit, huge] = [path.join(folder, 'over.pfx'), path.join(folder, 'huge.pfx')];
      await fs.writeFile(overLimit, Buffer.alloc(1025, 0x30));
      await fs.writeFile(huge, '');
      await fs.truncate(huge, 3 * 1024 ** 3);
      for (const file of [overLimit, huge]) {
        const result = await runCommandLine(['import-certificate', file], { PFX_MAX_BYTES: '1024', DATA_DIR: path.join(folder, 'data') });
        expect(result.stderr.trim(), file).toBe(`PFX_TOO_LARGE: ${errorMessages.PFX_TOO_LARGE}`);
        expect(result.code).toBe(2);
      }
      // Refused before the database was opened: the embedded one was never created.
      await expect(fs.stat(path.join(folder, 'data'))).rejects.toThrow();
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  });
});
