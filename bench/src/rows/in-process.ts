import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '@bam/server/dist/config/config.js';
import { createLogger } from '@bam/server/dist/logging/logger.js';
import { startServer } from '@bam/server/dist/server.js';
import { opensslPfx } from '@bam/server/test/support/pfx-fixtures.js';
import pg from 'pg';
import { seedOrganizations } from '../fixtures.js';
import { benchAdministratorEnvironment, graphql, sessionCookieFor, signIn } from '../load.js';
import { eventLoopLagP99 } from '../measure.js';
import { importCertificate, organizationsWithApplications } from '../queries.js';
import { type BenchContext, type BenchRow, valueRow } from '../row.js';
import { createBenchDatabase } from '../servers.js';

/**
 * Rows that look inside the server, so it runs in this process (from its build): the SQL statements
 * a read sends (the server's own counter) and the event loop's delay while PFX files are imported.
 */
export async function inProcessRows({ sizes }: BenchContext): Promise<BenchRow[]> {
  const database = await createBenchDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bam-bench-'));
  const server = await startServer(
    // No scheduled expiry check: its statements would land in the statement count.
    loadConfig({ PORT: '0', DATABASE_URL: database.url, DATA_DIR: dataDir, EXPIRY_CHECK_INTERVAL_SECONDS: '0', ...benchAdministratorEnvironment }),
    createLogger('warn'),
  );
  await signIn(server.url);
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  try {
    const graphqlUrl = `${server.url}/graphql`;
    const statements: number[] = [];
    // The session's first request also checks it in the database; later ones find it in memory.
    await graphql(graphqlUrl, organizationsWithApplications, { first: 1 });
    let seeded = 0;
    for (const organizations of sizes.statementOrganizations) {
      await seedOrganizations(pool, { prefix: `statements-${seeded}`, organizations: organizations - seeded, applications: 3 });
      seeded = organizations;
      const before = server.database.sqlStatements.statementCount;
      await graphql(graphqlUrl, organizationsWithApplications, { first: 100 });
      statements.push(server.database.sqlStatements.statementCount - before);
    }
    const [few, many] = statements as [number, number];

    // Distinct certificates: the store refuses one it already holds.
    const files = Array.from({ length: sizes.pfxImports }, (_, index) => opensslPfx({ legacy: index % 2 === 1 }));
    const lag = await eventLoopLagP99(async () => {
      // Two at a time, as many as the default PFX worker threads.
      for (let index = 0; index < files.length; index += 2) {
        await Promise.all(files.slice(index, index + 2).map((pfx) => upload(graphqlUrl, pfx)));
      }
    });

    return [
      {
        name: 'SQL statements per read',
        unit: 'statements',
        project: many,
        target: 'constant',
        pass: few === many,
        note: `${few} at ${sizes.statementOrganizations[0]} organizations, ${many} at ${sizes.statementOrganizations[1]}`,
      },
      valueRow(
        'event-loop delay p99 during PFX imports',
        'ms',
        lag,
        { max: 20 },
        `${sizes.pfxImports} imports (AES and legacy), 2 at a time; how late the loop ran, sampled every 10 ms`,
      ),
    ];
  } finally {
    await pool.end();
    await server.stop();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** importCertificate as the console sends it: a GraphQL multipart request. */
async function upload(graphqlUrl: string, pfx: { file: Buffer; password: string }): Promise<void> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: importCertificate, variables: { input: { file: null, password: pfx.password } } }));
  form.append('map', JSON.stringify({ 0: ['variables.input.file'] }));
  form.append('0', new Blob([new Uint8Array(pfx.file)], { type: 'application/x-pkcs12' }), 'certificate.pfx');
  const response = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'apollo-require-preflight': 'true', cookie: sessionCookieFor(graphqlUrl) ?? '' },
    body: form,
  });
  const result = (await response.json()) as { data?: { importCertificate: { errors: unknown[] } }; errors?: unknown[] };
  if (result.errors || result.data!.importCertificate.errors.length > 0) throw new Error(`import failed: ${JSON.stringify(result)}`);
}
