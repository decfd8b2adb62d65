import fs from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';

export class DataDirectoryLockedError extends Error {
  override name = 'DataDirectoryLockedError';
  constructor(readonly dataDir: string) {
    super(
      `The data folder ${dataDir} is in use by another Backup Applications Manager process. ` +
        'Stop that process, or set DATA_DIR to another folder.',
    );
  }
}

/**
 * Takes the data folder for this process. PGlite lets two processes open the same database
 * files without any error — and corrupts them — so nothing may touch the folder without this lock.
 * The lock is refreshed while held; one left by a crashed process goes stale after `staleMs`.
 */
export async function lockDataDirectory(
  dataDir: string,
  onCompromised: (error: Error) => void,
  staleMs = 10_000,
): Promise<() => Promise<void>> {
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  try {
    return await lockfile.lock(dataDir, {
      lockfilePath: path.join(dataDir, 'server.lock'),
      stale: staleMs,
      onCompromised,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') throw new DataDirectoryLockedError(dataDir);
    throw error;
  }
}
