import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { OperatorError, onSettingPath } from '../common/operator-error.js';

export class DataDirectoryLockedError extends OperatorError {
  override name = 'DataDirectoryLockedError';
  constructor(readonly dataDir: string) {
    super(
      'DATA_DIR',
      `The data folder ${dataDir} is in use by another Backup Applications Manager process. ` +
        'Stop that process, or set DATA_DIR to another folder.',
    );
  }
}

/** Who holds the lock: enough to tell, on the same machine, whether that process still runs. */
interface LockOwner {
  hostname: string;
  pid: number;
  /** When the process started (Linux), so a process id reused by another process is not mistaken for the owner. */
  startTime: string | null;
}

/**
 * Takes the data folder for this process. PGlite lets two processes open the same database
 * files without any error — and corrupts them — so nothing may touch the folder without this lock.
 * The lock is refreshed while held; one left by a crashed process goes stale after `staleMs`.
 * A lock whose owner still runs is never taken, even when that owner's event loop stalls for longer.
 */
export async function lockDataDirectory(dataDir: string, onCompromised: (error: Error) => void, staleMs = 10_000): Promise<() => Promise<void>> {
  await onSettingPath('DATA_DIR', dataDir, 'create', fs.mkdir(dataDir, { recursive: true, mode: 0o700 }));
  const ownerFile = path.join(dataDir, 'server.lock.owner');
  const owner = await readLockOwner(ownerFile);
  if (owner && (await isRunning(owner))) throw new DataDirectoryLockedError(dataDir);

  let release: () => Promise<void>;
  try {
    release = await onSettingPath(
      'DATA_DIR',
      path.join(dataDir, 'server.lock'),
      'create',
      lockfile.lock(dataDir, { lockfilePath: path.join(dataDir, 'server.lock'), stale: staleMs, onCompromised }),
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') throw new DataDirectoryLockedError(dataDir);
    throw error;
  }
  const self: LockOwner = { hostname: os.hostname(), pid: process.pid, startTime: await processStartTime(process.pid) };
  try {
    await onSettingPath('DATA_DIR', ownerFile, 'create', fs.writeFile(ownerFile, JSON.stringify(self), { mode: 0o600 }));
  } catch (error) {
    await release();
    throw error;
  }
  return async () => {
    // After a takeover (a compromised lock) the file names the new owner: leave it to them.
    const current = await readLockOwner(ownerFile);
    if (current && current.pid === self.pid && current.hostname === self.hostname) await fs.rm(ownerFile, { force: true });
    await release();
  };
}

async function readLockOwner(ownerFile: string): Promise<LockOwner | null> {
  try {
    return JSON.parse(await fs.readFile(ownerFile, 'utf8')) as LockOwner;
  } catch {
    // None, or half written by an owner that is just starting: its lock is fresh, so staleness decides.
    return null;
  }
}

/** True when the owner certainly still runs; false leaves the decision to the lock's staleness. */
async function isRunning(owner: LockOwner): Promise<boolean> {
  // A process id names a process only on the machine that wrote it.
  if (owner.hostname !== os.hostname()) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: it runs, under another user.
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  if (owner.startTime === null) return true;
  const startTime = await processStartTime(owner.pid);
  return startTime === null || startTime === owner.startTime;
}

/** Linux: the process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat); elsewhere null. */
async function processStartTime(pid: number): Promise<string | null> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces, start at field 3.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
