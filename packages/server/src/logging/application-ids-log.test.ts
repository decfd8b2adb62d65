import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { APPLICATION_IDS_PER_LOG_LINE, logApplicationsChange } from './application-ids-log.js';
import { createLogger } from './logger.js';

function logged(applicationIds: readonly string[], level = 'info') {
  const lines: string[] = [];
  const logger = createLogger(
    level,
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    }),
  );
  logApplicationsChange(logger, { actor: 'user:admin', organizationId: 'org-1' }, applicationIds, 'applications removed');
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('logApplicationsChange', () => {
  it('logs a change of up to one line of applications as one line, without part numbers', () => {
    const ids = Array.from({ length: APPLICATION_IDS_PER_LOG_LINE }, () => randomUUID());
    const [line, ...more] = logged(ids);
    expect(more).toEqual([]);
    expect(line).toMatchObject({ msg: 'applications removed', actor: 'user:admin', organizationId: 'org-1', applicationIds: ids });
    expect(line).not.toHaveProperty('part');
  });

  it('logs a larger change over numbered lines that name every application once, in order, each within 16 KiB', () => {
    const ids = Array.from({ length: 2 * APPLICATION_IDS_PER_LOG_LINE + 1 }, () => randomUUID());
    const lines = logged(ids);
    expect(lines.map(({ part, parts }) => [part, parts])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(lines.flatMap((line) => line.applicationIds as string[])).toEqual(ids);
    for (const line of lines) expect(line).toMatchObject({ msg: 'applications removed', actor: 'user:admin', organizationId: 'org-1' });
    for (const line of lines) expect(Buffer.byteLength(`${JSON.stringify(line)}\n`)).toBeLessThanOrEqual(16 * 1024);
  });

  it('writes nothing when info is not logged', () => {
    expect(logged([randomUUID()], 'warn')).toEqual([]);
  });
});
