import type pg from 'pg';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { expect, it } from 'vitest';
import { parseTimestamptz } from '../../src/database/timestamptz-parser.js';
import { useTestServer } from '../support/test-server.js';

const server = useTestServer();

const values = [
  "'2026-11-28 05:56:22+00'",
  "'2026-11-28 05:56:22.1+00'",
  "'2026-11-28 05:56:22.123456+00'",
  "'2026-11-28 05:56:22.000999+00'",
  "'2024-02-29 23:59:59.999999+00'",
  "'1969-12-31 23:59:59.5+00'",
  "'0050-06-01 12:00:00+00'",
  "'0044-03-15 12:00:00+00 BC'",
  "'1883-11-18 12:00:00-04:56:02'",
  "'9999-12-31 23:59:59.999999+00'",
  'now()',
];

/** Each value as the product's pool parses it, and its time in milliseconds as PostgreSQL computes it. */
async function parsedInTimeZone(timeZone: string): Promise<{ parsed: Date; milliseconds: number }[]> {
  return server.database.dataSource.transaction(async (manager) => {
    await manager.query(`SELECT set_config('TimeZone', $1, true)`, [timeZone]);
    const rows: { parsed: Date; milliseconds: string }[] = await manager.query(
      `SELECT value AS parsed, floor(extract(epoch FROM value) * 1000)::text AS milliseconds
       FROM unnest(ARRAY[${values.join(', ')}]::timestamptz[]) AS value`,
    );
    return rows.map((row) => ({ parsed: row.parsed, milliseconds: Number(row.milliseconds) }));
  });
}

it.each(['UTC', 'Asia/Kathmandu', 'America/St_Johns', 'America/New_York'])(
  'reads timestamptz values as the instants PostgreSQL holds, in the session time zone %s',
  async (timeZone) => {
    for (const { parsed, milliseconds } of await parsedInTimeZone(timeZone)) {
      expect(parsed).toBeInstanceOf(Date);
      expect(parsed.getTime()).toBe(milliseconds);
    }
  },
);

it('reads infinity as pg does, as a number', async () => {
  const [row] = await server.database.dataSource.query(`SELECT 'infinity'::timestamptz AS later, '-infinity'::timestamptz AS earlier`);
  expect(row).toEqual({ later: Infinity, earlier: -Infinity });
});

it("parses timestamptz with the product's parser on its pool only", () => {
  const pool = (server.database.dataSource.driver as PostgresDriver).master as pg.Pool;
  expect(pool.options.types?.getTypeParser(1184, 'text')).toBe(parseTimestamptz);
});
