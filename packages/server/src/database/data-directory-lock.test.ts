import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirectoryLockedError, lockDataDirectory } from './data-directory-lock.js';

const staleMs = 2_000;
const ignoreCompromise = () => undefined;
let dataDir: string;

beforeEach(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bam-lock-'));
});
afterEach(() => fs.rm(dataDir, { recursive: true, force: true }));

/** The owner record this process writes when it holds the lock. */
async function ownRecord(): Promise<Record<string, unknown>> {
  const release = await lockDataDirectory(dataDir, ignoreCompromise, staleMs);
  const record = JSON.parse(await fs.readFile(path.join(dataDir, 'server.lock.owner'), 'utf8')) as Record<string, unknown>;
  await release();
  return record;
}

/** Leaves a lock as if held by `owner` and last refreshed a minute ago: it looks stale. */
async function leaveStaleLock(owner: Record<string, unknown>): Promise<void> {
  const lockDir = path.join(dataDir, 'server.lock');
  await fs.mkdir(lockDir);
  const minuteAgo = new Date(Date.now() - 60_000);
  await fs.utimes(lockDir, minuteAgo, minuteAgo);
  await fs.writeFile(path.join(dataDir, 'server.lock.owner'), JSON.stringify(owner));
}

describe('the data folder lock', () => {
  it('names its owner while held, and removes the name on release', async () => {
    const release = await lockDataDirectory(dataDir, ignoreCompromise, staleMs);
    const owner = JSON.parse(await fs.readFile(path.join(dataDir, 'server.lock.owner'), 'utf8')) as Record<string, unknown>;
    expect(owner).toMatchObject({ hostname: os.hostname(), pid: process.pid });
    await release();
    await expect(fs.access(path.join(dataDir, 'server.lock.owner'))).rejects.toThrow();
  });

  it('refuses a lock that looks stale while its owner runs', async () => {
    await leaveStaleLock(await ownRecord());
    await expect(lockDataDirectory(dataDir, ignoreCompromise, staleMs)).rejects.toThrow(DataDirectoryLockedError);
  });

  it('takes over a stale lock whose owner is gone', async () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    await leaveStaleLock({ ...(await ownRecord()), pid: gone });
    const release = await lockDataDirectory(dataDir, ignoreCompromise, staleMs);
    await release();
  });

  it.runIf(process.platform === 'linux')('takes over a stale lock whose process id now belongs to another process', async () => {
    await leaveStaleLock({ ...(await ownRecord()), startTime: '1' });
    const release = await lockDataDirectory(dataDir, ignoreCompromise, staleMs);
    await release();
  });

  it('lets staleness decide for an owner on another machine, whose process id means nothing here', async () => {
    await leaveStaleLock({ ...(await ownRecord()), hostname: `not-${os.hostname()}` });
    const release = await lockDataDirectory(dataDir, ignoreCompromise, staleMs);
    await release();
  });
});
