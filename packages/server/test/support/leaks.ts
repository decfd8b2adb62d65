import { expect } from 'vitest';
import type { GraphQLResponse } from './test-server.js';

/** The response and the server's log lines since `logsBefore` hold no secret, and nothing was logged as unexpected. */
export function expectNothingLeaked(serverLogs: readonly string[], response: GraphQLResponse<unknown>, secret: string, logsBefore: number): void {
  const logs = serverLogs.slice(logsBefore);
  expect(JSON.stringify(response)).not.toContain(secret);
  expect(logs.filter((line) => line.includes(secret))).toEqual([]);
  expect(logs.filter((line) => line.includes('unexpected error'))).toEqual([]);
}
