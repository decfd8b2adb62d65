import { Writable } from 'node:stream';
import { setImmediate as later } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runWithLogContext } from './log-context.js';
import { createLogger } from './logger.js';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    }),
  );
  return { logger, lines };
}

describe('runWithLogContext', () => {
  it('adds the request id to every line written within it, also after awaits and by child loggers, and to no other', async () => {
    const { logger, lines } = capturingLogger();
    await runWithLogContext({ requestId: 'request-1' }, async () => {
      logger.info({ organizationId: 'org-1' }, 'first');
      await later();
      logger.child({ component: 'graphql' }).info('second');
    });
    logger.info('outside');
    expect(lines.map(({ msg, requestId, organizationId }) => ({ msg, requestId, organizationId }))).toEqual([
      { msg: 'first', requestId: 'request-1', organizationId: 'org-1' },
      // A line's own fields never stick to the context.
      { msg: 'second', requestId: 'request-1', organizationId: undefined },
      { msg: 'outside', requestId: undefined, organizationId: undefined },
    ]);
  });
});
