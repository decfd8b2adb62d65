import pg from 'pg';

const { builtins } = pg.types;
const parseWithPostgresDate = pg.types.getTypeParser(builtins.TIMESTAMPTZ, 'text') as (text: string) => Date | number;

/** The number in `text` at `start`, `count` decimal digits long, or -1 where one is not a digit. */
function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let index = start; index < start + count; index += 1) {
    const digit = text.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** `YYYY-MM-DD HH:MM:SS` at the start of `text`, as PostgreSQL writes a timestamptz (ISO DateStyle), or NaN. */
function utcFieldsAt(text: string): number {
  if (text[4] !== '-' || text[7] !== '-' || text[10] !== ' ' || text[13] !== ':' || text[16] !== ':') return Number.NaN;
  const fields = [
    digitsAt(text, 0, 4),
    digitsAt(text, 5, 2),
    digitsAt(text, 8, 2),
    digitsAt(text, 11, 2),
    digitsAt(text, 14, 2),
    digitsAt(text, 17, 2),
  ];
  // Years below 100 mean 19xx to Date.UTC; they go to postgres-date, as malformed text does.
  if (fields.includes(-1) || fields[0]! < 100) return Number.NaN;
  const [year, month, day, hour, minute, second] = fields as [number, number, number, number, number, number];
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/**
 * Parses a timestamptz as PostgreSQL sends it (`2026-11-28 05:56:22.123456+00`; a read parses over a
 * thousand) without postgres-date's regular expressions: the exact form `YYYY-MM-DD HH:MM:SS`, an optional
 * fraction of 1 to 6 digits, and an offset `±HH` or `±HH:MM`. Anything else (infinity, BC, years past 9999
 * or below 100, offsets with seconds) goes to postgres-date, which pg uses by default.
 */
export function parseTimestamptz(text: string): Date | number {
  let time = text.length >= 22 ? utcFieldsAt(text) : Number.NaN;
  let at = 19;
  if (!Number.isNaN(time) && text[at] === '.') {
    let end = at + 1;
    while (end < text.length && end <= at + 6 && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end += 1;
    const digits = end - at - 1;
    // Milliseconds, truncated as postgres-date does: the first three digits.
    time = digits === 0 ? Number.NaN : time + Math.trunc((digitsAt(text, at + 1, digits) * 1000) / 10 ** digits);
    at = end;
  }
  const sign = text[at] === '+' ? 1 : text[at] === '-' ? -1 : 0;
  const offsetHours = digitsAt(text, at + 1, 2);
  const rest = text.length - at - 3;
  const offsetMinutes = rest === 0 ? 0 : rest === 3 && text[at + 3] === ':' ? digitsAt(text, at + 4, 2) : -1;
  if (Number.isNaN(time) || sign === 0 || offsetHours === -1 || offsetMinutes === -1) return parseWithPostgresDate(text);
  return new Date(time - sign * (offsetHours * 60 + offsetMinutes) * 60_000);
}

/** The type parsers of the product's pool: pg's, with `parseTimestamptz` for timestamptz (pg's global parsers stay as they are). */
export const productTypeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === builtins.TIMESTAMPTZ && (format ?? 'text') === 'text') return parseTimestamptz;
    return pg.types.getTypeParser(oid, format as 'text');
  },
};
