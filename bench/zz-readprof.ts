import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import pg from 'pg';
import { seedOrganizations } from './src/fixtures.js';
import { benchAdministratorEnvironment, postLoad, signIn } from './src/load.js';
import { organizationsWithApplications } from './src/queries.js';
import { createBenchDatabase } from './src/servers.js';
const database = await createBenchDatabase();
const pool = new pg.Pool({ connectionString: database.url, max: 2 });
const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${process.argv[2]}`, '../packages/server/dist/main.js'], {
  env: { PATH: process.env.PATH!, PORT: '0', HOST: '127.0.0.1', DATABASE_URL: database.url, DATA_DIR: mkdtempSync('/tmp/bam-prof-'), ...benchAdministratorEnvironment },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise<string>((resolve) => child.stdout!.on('data', (c: Buffer) => { for (const l of c.toString().split('\n')) if (l.includes('"server started"')) resolve(JSON.parse(l).url); }));
await signIn(url);
await seedOrganizations(pool, { prefix: 'bench', organizations: 20, applications: 20 });
const body = JSON.stringify({ query: organizationsWithApplications, variables: { first: 20 } });
await postLoad(`${url}/graphql`, body, { durationMs: 2000, concurrency: 4 });
const r = await postLoad(`${url}/graphql`, body, { durationMs: 8000, concurrency: 4 });
console.log(r.requests, r.elapsedMs);
const exited = new Promise((res) => child.once('exit', res));
child.kill('SIGTERM'); await exited; await pool.end(); await database.drop();
