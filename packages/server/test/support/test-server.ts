import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type Config, loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logging/logger.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { clearDatabase } from './seed.js';
import { createTestDatabase } from './test-database.js';

/** Which database the integration tests run on: set per vitest project. */
export const testDatabaseKind = process.env.TEST_DATABASE === 'embedded' ? 'embedded' : 'postgres';

export interface TestServer extends RunningServer {
  graphqlUrl: string;
  /** The server's data folder (embedded database, master key file). */
  dataDir: string;
  /** Every log line the server wrote, as raw JSON text. */
  logs: string[];
  /** Sends one GraphQL operation over real HTTP. */
  graphql<Data = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<Data>>;
  /**
   * Sends one operation as a GraphQL multipart request with one file at `filePath` (e.g.
   * `variables.input.pfx.file`), as browsers and apollo-upload-client do.
   */
  upload<Data = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown>,
    file: { path: string; content: Buffer; filename?: string },
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<Data> & { status: number }>;
  /** Stops the server and removes its database (or data folder). */
  dispose(): Promise<void>;
}

export interface GraphQLResponse<Data> {
  data?: Data;
  errors?: { message: string; extensions?: { code?: string; ids?: string[] } }[];
}

export interface TestServerOptions {
  /** Reuse this data folder (embedded) instead of a fresh one, e.g. to test restarts. */
  dataDir?: string;
  /** Reuse this database instead of a fresh one. */
  databaseUrl?: string;
  environment?: Record<string, string>;
}

/** Starts the real server in this process on a free port, on a fresh database of the project's kind. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const cleanups: (() => Promise<void>)[] = [];
  const environment: Record<string, string> = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug', ...options.environment };

  if (testDatabaseKind === 'postgres' || options.databaseUrl) {
    if (options.databaseUrl) environment.DATABASE_URL = options.databaseUrl;
    else {
      const database = await createTestDatabase();
      environment.DATABASE_URL = database.url;
      cleanups.push(database.drop);
    }
  }
  if (options.dataDir) environment.DATA_DIR = options.dataDir;
  else {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bam-test-'));
    environment.DATA_DIR = dataDir;
    cleanups.push(() => fs.rm(dataDir, { recursive: true, force: true }));
  }

  const logs: string[] = [];
  const logSink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const config: Config = loadConfig(environment);
  const server = await startServer(config, createLogger(config.logLevel, logSink));
  const graphqlUrl = `${server.url}/graphql`;

  return {
    ...server,
    graphqlUrl,
    dataDir: config.dataDir,
    logs,
    async graphql(query, variables) {
      const response = await fetch(graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse<never>;
    },
    async upload(query, variables, file, headers = { 'apollo-require-preflight': 'true' }) {
      const form = new FormData();
      form.append('operations', JSON.stringify({ query, variables }));
      form.append('map', JSON.stringify({ 0: [file.path] }));
      form.append('0', new Blob([file.content], { type: 'application/x-pkcs12' }), file.filename ?? 'certificate.pfx');
      const response = await fetch(graphqlUrl, { method: 'POST', headers, body: form });
      return { ...((await response.json()) as GraphQLResponse<never>), status: response.status };
    },
    async dispose() {
      await server.stop();
      for (const cleanup of cleanups.reverse()) await cleanup();
    },
  };
}

/**
 * The test file's server: started once before its tests, stopped after them, and its database
 * emptied before each test (unless `clearBeforeEach` is false). Call it at the top of a file or a
 * `describe`; the object it returns stands for the running server inside tests and hooks.
 */
export function useTestServer(options: TestServerOptions & { clearBeforeEach?: boolean } = {}): TestServer {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer(options);
  });
  afterAll(async () => {
    await server?.dispose();
  });
  if (options.clearBeforeEach !== false) beforeEach(() => clearDatabase(running().database.dataSource));

  const running = () => {
    if (!server) throw new Error('The test server starts in beforeAll: use it inside tests and hooks');
    return server;
  };
  return new Proxy({} as TestServer, {
    get(_target, property) {
      const value: unknown = Reflect.get(running(), property);
      return typeof value === 'function' ? value.bind(server) : value;
    },
  });
}
