import type { TestServer } from './test-server.js';

/**
 * Resolves once the server's background work (wake-ups, the webhook dispatcher's rounds) has stopped
 * sending statements, so that a count of the statements sent next covers one request only.
 */
export async function sqlStatementsSettled(server: TestServer): Promise<void> {
  const { sqlStatements } = server.database;
  for (let last = -1, checks = 0; sqlStatements.statementCount !== last && checks < 40; checks += 1) {
    last = sqlStatements.statementCount;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
