import { pino } from 'pino';

/**
 * Fields that echo the values a SQL statement was given: TypeORM's QueryFailedError carries the
 * statement's `parameters` and copies pg's DatabaseError fields, whose `detail` (a unique violation's
 * key) and `where` can quote values. Values can be key material or a megabyte of client input.
 */
const statementValueFields = ['parameters', 'detail', 'where'];

/** pino's error serializer, minus the statement values, also in the nested `driverError` and `cause`. */
export function serializeError(error: unknown): unknown {
  const serialized: unknown = pino.stdSerializers.err(error as Error);
  dropStatementValues(serialized);
  return serialized;
}

function dropStatementValues(serialized: unknown): void {
  if (serialized === null || typeof serialized !== 'object') return;
  const record = serialized as Record<string, unknown>;
  for (const field of statementValueFields) delete record[field];
  dropStatementValues(record.driverError);
  dropStatementValues(record.cause);
}
