import type { DataSource } from 'typeorm';

/** Column types pg already returns as TypeORM would hydrate them (strings, numbers, booleans, Dates). */
const plainTypes = new Set([
  'uuid',
  'char',
  'varchar',
  'character varying',
  'text',
  'integer',
  'int',
  'boolean',
  'timestamptz',
  'timestamp with time zone',
]);

/** A read of one entity's rows that bypasses TypeORM's query building and hydration. */
export interface PlainRows<Entity> {
  /**
   * `SELECT <the columns> FROM <the table> <rest>`, each row an instance of the entity with its
   * columns set, as `find()` returns it. `rest` names columns by their database names.
   */
  select(rest: string, parameters: unknown[]): Promise<Entity[]>;
  /** The SELECT list for a join: the columns of table alias `alias`, each named `<prefix><property>`. */
  columns(alias: string, prefix: string): string;
  /** The entity from the `<prefix><property>` values of a joined row. */
  entity(row: Record<string, unknown>, prefix: string): Entity;
}

/** Which columns a read copies: all but `omit`, or `only` these (property names). */
export type ColumnChoice<Entity> = { omit: readonly (keyof Entity & string)[] } | { only: readonly (keyof Entity & string)[] };

/** Per data source, by entity name and column choice. */
const cache = new WeakMap<DataSource, Map<string, PlainRows<unknown>>>();

/**
 * For the hot read paths (hundreds of rows per request): one prepared SELECT list per entity, and
 * rows copied onto entity instances. TypeORM's query builder and hydration cost more CPU per row than
 * the database does. Refuses, when first asked, a column it could not copy as is (transformers, JSON,
 * bytea, embedded entities) or that is not one; `choice` leaves such columns out.
 */
export function plainRows<Entity extends object>(
  dataSource: DataSource,
  entity: new () => Entity,
  choice: ColumnChoice<Entity> = { omit: [] },
): PlainRows<Entity> {
  let reads = cache.get(dataSource);
  if (!reads) cache.set(dataSource, (reads = new Map()));
  const names: readonly string[] = 'only' in choice ? choice.only : choice.omit;
  const key = `${entity.name}:${'only' in choice ? 'only' : 'omit'}:${[...names].sort().join(',')}`;
  const cached = reads.get(key) as PlainRows<Entity> | undefined;
  if (cached) return cached;

  const metadata = dataSource.getMetadata(entity);
  const selectable = metadata.columns.filter((column) => column.isSelect);
  const unknown = names.filter((name) => !selectable.some((column) => column.propertyName === name));
  if (unknown.length > 0) throw new Error(`plainRows: ${metadata.name} has no column ${unknown.join(', ')}`);
  const columns = selectable.filter((column) => names.includes(column.propertyName) === 'only' in choice);
  for (const column of columns) {
    const type = typeof column.type === 'string' ? column.type : '';
    if (!plainTypes.has(type) || column.transformer || column.embeddedMetadata || column.isArray) {
      throw new Error(`plainRows cannot copy ${metadata.name}.${column.propertyName} (${type || 'a non-SQL type'}) as pg returns it`);
    }
  }
  const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
  const properties = columns.map((column) => column.propertyName);
  // A joined row's keys for each prefix, built once rather than per row.
  const prefixedKeys = new Map<string, string[]>();
  const columnList = (alias: string, prefix: string) =>
    columns.map((column) => `${alias}.${quote(column.databaseName)} AS ${quote(prefix + column.propertyName)}`).join(', ');
  const head = `SELECT ${columnList(quote(metadata.tableName), '')} FROM ${quote(metadata.tableName)} `;
  const rows: PlainRows<Entity> = {
    async select(rest, parameters) {
      const found: object[] = await dataSource.query(head + rest, parameters);
      return found.map((row) => Object.assign(new entity(), row));
    },
    columns: columnList,
    entity(row, prefix) {
      let keys = prefixedKeys.get(prefix);
      if (!keys) prefixedKeys.set(prefix, (keys = properties.map((property) => prefix + property)));
      const instance = new entity() as Record<string, unknown>;
      for (let index = 0; index < keys.length; index++) instance[properties[index]!] = row[keys[index]!];
      return instance as Entity;
    },
  };
  reads.set(key, rows);
  return rows;
}
