import { Writable } from 'node:stream';
import { locatedError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ClientGoneError } from '../common/client-gone-error.js';
import { createLogger } from '../logging/logger.js';
import { formatGraphQLError } from './apollo-plugins.js';

function captured() {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').trim().split('\n')) lines.push(JSON.parse(line) as (typeof lines)[number]);
      done();
    },
  });
  return { format: formatGraphQLError(createLogger('debug', sink)), lines };
}

/** A resolver's error as Apollo hands it to `formatError`. */
const resolverError = (original: Error) => {
  const error = locatedError(original, null, ['inspectPfx']);
  return { formatted: { message: error.message, path: ['inspectPfx'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }, error };
};

describe('formatGraphQLError', () => {
  it('logs an unexpected error at error level and answers INTERNAL_ERROR without its detail', () => {
    const { format, lines } = captured();
    const { formatted, error } = resolverError(new TypeError('secret detail'));
    expect(format(formatted, error)).toEqual({ message: expect.any(String), path: ['inspectPfx'], extensions: { code: 'INTERNAL_ERROR' } });
    expect(JSON.stringify(format(formatted, error))).not.toContain('secret detail');
    expect(lines.map(({ level, msg }) => ({ level, msg }))[0]).toEqual({ level: 50, msg: 'unexpected error while executing an operation' });
  });

  // The console cancels a PFX check when the password changes: routine, no server fault to alert anyone about.
  it('logs work stopped because its client went away as an info line', () => {
    const { format, lines } = captured();
    const { formatted, error } = resolverError(new ClientGoneError());
    expect(format(formatted, error).extensions).toEqual({ code: 'INTERNAL_ERROR' });
    expect(lines.map(({ level, msg }) => ({ level, msg }))).toEqual([{ level: 30, msg: 'client went away before its answer; work stopped' }]);
  });
});
