import fc from 'fast-check';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { parseTimestamptz, productTypeParsers } from './timestamptz-parser.js';

const postgresDate = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text');

const twoDigits = (value: number) => String(value).padStart(2, '0');

/** A timestamptz as PostgreSQL writes it: `YYYY-MM-DD HH:MM:SS[.fraction]±HH[:MM]`. */
const timestamptzText = fc
  .record({
    year: fc.integer({ min: 100, max: 9999 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
    fraction: fc.option(fc.stringMatching(/^[0-9]{1,6}$/), { nil: undefined }),
    offsetSign: fc.constantFrom('+', '-'),
    offsetHours: fc.integer({ min: 0, max: 15 }),
    offsetMinutes: fc.option(fc.constantFrom(0, 30, 45), { nil: undefined }),
  })
  .map(
    (parts) =>
      `${String(parts.year).padStart(4, '0')}-${twoDigits(parts.month)}-${twoDigits(parts.day)} ` +
      `${twoDigits(parts.hour)}:${twoDigits(parts.minute)}:${twoDigits(parts.second)}` +
      (parts.fraction === undefined ? '' : `.${parts.fraction}`) +
      `${parts.offsetSign}${twoDigits(parts.offsetHours)}` +
      (parts.offsetMinutes === undefined ? '' : `:${twoDigits(parts.offsetMinutes)}`),
  );

const timeOf = (value: Date | number) => (value instanceof Date ? value.getTime() : value);

describe('parseTimestamptz', () => {
  it('agrees with postgres-date on the form PostgreSQL writes', () => {
    fc.assert(
      fc.property(timestamptzText, (text) => {
        expect(timeOf(parseTimestamptz(text))).toBe(timeOf(postgresDate(text)));
      }),
      { numRuns: 20_000 },
    );
  });

  it.each([
    '2026-11-28 05:56:22+00',
    '2026-11-28 05:56:22.1+00',
    '2026-11-28 05:56:22.12+00',
    '2026-11-28 05:56:22.123+00',
    '2026-11-28 05:56:22.1234+00',
    '2026-11-28 05:56:22.12345+00',
    '2026-11-28 05:56:22.999999+00',
    '2024-02-29 23:59:59.999+00',
    '2000-02-29 00:00:00+00',
    '1900-03-01 00:00:00+00',
    '1970-01-01 00:00:00+00',
    '1969-12-31 23:59:59.5+00',
    '2026-03-29 02:30:00+02',
    '2026-11-28 05:56:22.5-03:30',
    '2026-11-28 05:56:22+05:45',
    '9999-12-31 23:59:59.999999+00',
    '0100-01-01 00:00:00+00',
  ])('reads %s as postgres-date does', (text) => {
    expect(parseTimestamptz(text)).toBeInstanceOf(Date);
    expect(timeOf(parseTimestamptz(text))).toBe(timeOf(postgresDate(text)));
  });

  it.each([
    'infinity',
    '-infinity',
    '0044-03-15 12:00:00+00 BC',
    '0099-06-01 00:00:00+00',
    '12026-01-01 00:00:00+00',
    '1883-11-18 12:00:00-04:56:02',
    '2026-11-28 05:56:22.1234567+00',
    '2026-11-28 05:56:22.+00',
    '2026-11-28T05:56:22Z',
    '2026-11-28 05:56:22',
  ])('leaves %s to postgres-date', (text) => {
    expect(timeOf(parseTimestamptz(text))).toEqual(timeOf(postgresDate(text)));
  });

  it("is the product pool's parser for timestamptz only, without changing pg's global parsers", () => {
    expect(productTypeParsers.getTypeParser(pg.types.builtins.TIMESTAMPTZ)).toBe(parseTimestamptz);
    expect(productTypeParsers.getTypeParser(pg.types.builtins.TIMESTAMP)).toBe(pg.types.getTypeParser(pg.types.builtins.TIMESTAMP));
    expect(pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ)).toBe(postgresDate);
  });
});
