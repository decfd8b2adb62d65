import DataLoader from 'dataloader';

/**
 * A per-request loader that fetches every requested key in one statement and answers each key
 * with its row, or null when there is none.
 */
export function rowLoader<Row>(fetch: (keys: string[]) => Promise<Row[]>, keyOf: (row: Row) => string): DataLoader<string, Row | null> {
  return new DataLoader(async (keys) => {
    const byKey = new Map((await fetch([...keys])).map((row) => [keyOf(row), row]));
    return keys.map((key) => byKey.get(key) ?? null);
  });
}

/**
 * A per-request loader that fetches the rows of every requested key in one statement and answers
 * each key with its rows, in the order `fetch` returns them.
 */
export function groupLoader<Row>(fetch: (keys: string[]) => Promise<Row[]>, keyOf: (row: Row) => string | null): DataLoader<string, Row[]> {
  return new DataLoader(async (keys) => {
    const groups = new Map<string, Row[]>(keys.map((key) => [key, []]));
    for (const row of await fetch([...keys])) {
      const key = keyOf(row);
      if (key !== null) groups.get(key)?.push(row);
    }
    return keys.map((key) => groups.get(key) ?? []);
  });
}
