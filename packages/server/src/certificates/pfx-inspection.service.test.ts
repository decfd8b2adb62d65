import { ErrorCode } from '@bam/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { opensslPfx } from '../../test/support/pfx-fixtures.js';
import { systemActor } from '../common/actor.js';
import { DomainError } from '../common/domain-error.js';
import { createLogger } from '../logging/logger.js';
import { createPfxWorkerPool } from '../pfx/pfx-worker-pool.js';
import { CertificateStoreService } from './certificate-store.service.js';
import { PfxInspectionService } from './pfx-inspection.service.js';

// One thread and no queue: a second read while one runs is refused at once.
const pool = createPfxWorkerPool({ maxThreads: 1, maxQueue: 0 });
afterAll(() => pool.close());

// Reading a file, and answering one that cannot be read, touch nothing but the worker pool.
const unused = undefined as never;
const logger = createLogger('silent');
const store = new CertificateStoreService(unused, unused, pool, unused, logger, 1 << 20, unused);
const inspection = new PfxInspectionService(unused, store, logger);

// About 900,000 PBKDF2 iterations: a read that is still running when the test acts on it.
const slow = opensslPfx({ iterations: 300_000 });

describe('PfxInspectionService', () => {
  it('answers a wrong password as a problem of the file', async () => {
    const pfx = opensslPfx();
    expect(await inspection.inspect(pfx.file, 'wrong', systemActor)).toEqual({
      certificate: null,
      storeCertificate: null,
      problems: [ErrorCode.PFX_WRONG_PASSWORD],
    });
  });

  it('stops reading when the client goes away, answering nothing', async () => {
    const clientGone = new AbortController();
    const reading = inspection.inspect(slow.file, slow.password, systemActor, { signal: clientGone.signal });
    clientGone.abort(new Error('client went away'));
    await expect(reading).rejects.toThrow('client went away');
  });

  it('passes SERVER_BUSY on as a failure of the request, not a problem of the file', async () => {
    const first = inspection.inspect(slow.file, 'not the password', systemActor);
    await expect(inspection.inspect(slow.file, slow.password, systemActor)).rejects.toSatisfy(
      (error) => error instanceof DomainError && error.code === ErrorCode.SERVER_BUSY,
    );
    expect((await first).problems).toEqual([ErrorCode.PFX_WRONG_PASSWORD]);
  });
});
