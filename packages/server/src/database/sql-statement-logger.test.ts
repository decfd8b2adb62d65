import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { SqlStatementLogger } from './sql-statement-logger.js';

function captured() {
  const lines: { level: number; msg: string; sql?: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').trim().split('\n')) lines.push(JSON.parse(line) as (typeof lines)[number]);
      done();
    },
  });
  return { statements: new SqlStatementLogger(createLogger('debug', sink)), lines };
}

const failure = (code: string) => Object.assign(new Error('statement failed'), { code });

describe('SqlStatementLogger', () => {
  it('logs a failed statement as a warning, and a unique violation (a conflict callers answer with a code) at debug', () => {
    const { statements, lines } = captured();
    statements.logQueryError(failure('23505'), 'INSERT INTO key_rotations …');
    statements.logQueryError(failure('42P01'), 'SELECT * FROM missing');
    expect(lines.map(({ level, msg, sql }) => ({ level, msg, sql }))).toEqual([
      { level: 20, msg: 'sql statement failed', sql: 'INSERT INTO key_rotations …' },
      { level: 40, msg: 'sql statement failed', sql: 'SELECT * FROM missing' },
    ]);
  });
});
