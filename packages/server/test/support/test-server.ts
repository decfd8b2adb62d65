import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, inject } from 'vitest';
import { AuditService } from '../../src/audit/audit.service.js';
import type { RetryBackoff } from '../../src/common/retry-backoff.js';
import { ApiTokensService } from '../../src/auth/api-tokens.service.js';
import { CredentialSockets } from '../../src/auth/credential-sockets.js';
import { Role, systemActor } from '../../src/common/actor.js';
import type { Clock } from '../../src/common/clock.js';
import { type Config, loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logging/logger.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { clearDatabase } from './seed.js';
import { signInCookie } from './sign-in.js';
import { createTestDatabase } from './test-database.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A data folder's embedded database with every migration applied (see embedded-template.ts). */
    embeddedDatabaseTemplate: string;
  }
}

/** Which database the integration tests run on: set per vitest project. */
export const testDatabaseKind = process.env.TEST_DATABASE === 'embedded' ? 'embedded' : 'postgres';

/** The initial administrator every test server starts with (INITIAL_ADMIN_*). */
export const testAdmin = { username: 'admin', password: 'test-admin-password' };

/** How a request authenticates: an API token, a session cookie (`bam_session=…`), or nothing. */
export type Credential = { bearer: string } | { cookie: string } | null;

export function credentialHeaders(credential: Credential): Record<string, string> {
  if (!credential) return {};
  return 'bearer' in credential ? { authorization: `Bearer ${credential.bearer}` } : { cookie: credential.cookie };
}

export interface TestServer extends RunningServer {
  graphqlUrl: string;
  /** An ADMINISTRATOR API token, sent by `graphql` and `upload` unless told otherwise. */
  adminToken: string;
  /** The server's data folder (embedded database, master key file). */
  dataDir: string;
  /** Every log line the server wrote, as raw JSON text. */
  logs: string[];
  /** Sends one GraphQL operation over real HTTP, as the administrator token. */
  graphql<Data = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<Data>>;
  /** Sends one GraphQL operation over real HTTP with another credential, or anonymously (null). */
  graphqlAs<Data = Record<string, unknown>>(
    credential: Credential,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<Data>>;
  /** A new API token of that role (and organizations), created by the administrator. */
  tokenFor(role: Role, organizationIds?: string[] | null): Promise<{ bearer: string }>;
  /** Signs in with a username and password; the session cookie. */
  signIn(username: string, password: string): Promise<{ cookie: string }>;
  /**
   * Sends one operation as a GraphQL multipart request with one file at `filePath` (e.g.
   * `variables.input.pfx.file`), as browsers and apollo-upload-client do.
   */
  upload<Data = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown>,
    file: { path: string; content: Buffer; filename?: string },
    headers?: Record<string, string>,
    credential?: Credential,
  ): Promise<GraphQLResponse<Data> & { status: number }>;
  /** Stops the server and removes its database (or data folder). */
  dispose(): Promise<void>;
}

export interface GraphQLResponse<Data> {
  data?: Data;
  errors?: { message: string; extensions?: { code?: string; ids?: string[] } }[];
  extensions?: Record<string, unknown>;
}

export interface TestServerOptions {
  /** Reuse this data folder (embedded) instead of a fresh one, e.g. to test restarts. */
  dataDir?: string;
  /** Reuse this database instead of a fresh one. */
  databaseUrl?: string;
  /** Settings for the server; undefined takes away one the test server sets (an empty value is refused like in production). */
  environment?: Record<string, string | undefined>;
  /** The clock of the expiry monitor (see `ManualClock`); the system clock by default. */
  clock?: Clock;
  /** When a rotation step Entra could not take is tried again; the product's timing by default. */
  rotationRetry?: RetryBackoff;
}

/**
 * A new data folder holding a copy of the migrated embedded database (see embedded-template.ts), so a
 * server or command opens it as on a restart: a first start (initdb and every migration) takes seconds.
 * Only in the server-embedded project; the caller removes the folder.
 */
export async function migratedDataDir(prefix = 'bam-test-'): Promise<string> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  await fs.cp(inject('embeddedDatabaseTemplate'), path.join(dataDir, 'postgres'), { recursive: true });
  return dataDir;
}

/** Starts the real server in this process on a free port, on a fresh database of the project's kind. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const cleanups: (() => Promise<void>)[] = [];
  const environment: Record<string, string | undefined> = {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
    INITIAL_ADMIN_USERNAME: testAdmin.username,
    INITIAL_ADMIN_PASSWORD: testAdmin.password,
    // No scheduled expiry check: it would raise events in the middle of other tests. Expiry tests run checks themselves.
    EXPIRY_CHECK_INTERVAL_SECONDS: '0',
    ...options.environment,
  };

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
    const dataDir = environment.DATABASE_URL ? await fs.mkdtemp(path.join(os.tmpdir(), 'bam-test-')) : await migratedDataDir();
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
  const server = await startServer(config, createLogger(config.logLevel, logSink), {
    clock: options.clock,
    rotationRetry: options.rotationRetry,
    // No look for rotations whose lease ran out: it would finish the unfinished rotations tests write themselves.
    rotationLeaseSweep: false,
  });
  const graphqlUrl = `${server.url}/graphql`;

  const graphqlAs = async <Data>(credential: Credential, query: string, variables?: Record<string, unknown>) => {
    const response = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...credentialHeaders(credential) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResponse<Data>;
  };
  const createToken = async (credential: Credential, role: Role, organizationIds: string[] | null = null) => {
    const { data, errors } = await graphqlAs<{ createApiToken: { secret: string | null; errors: unknown[] } }>(
      credential,
      'mutation Token($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret errors { code } } }',
      { input: { name: `test ${role.toLowerCase()}`, role, organizationIds, expiresAt: new Date(Date.now() + 86_400_000).toISOString() } },
    );
    if (!data?.createApiToken.secret) throw new Error(`could not create a test token: ${JSON.stringify({ data, errors })}`);
    return { bearer: data.createApiToken.secret };
  };
  // Straight from the service: a data folder reused from a command-line run may hold another first administrator.
  const tokens = new ApiTokensService(server.database.dataSource, new AuditService(server.database.dataSource), new CredentialSockets());
  const { secret } = await tokens.create(systemActor, {
    name: 'test administrator',
    role: Role.ADMINISTRATOR,
    organizationIds: null,
    expiresAt: new Date(Date.now() + 86_400_000),
  });
  const admin = { bearer: secret };

  return {
    ...server,
    graphqlUrl,
    adminToken: admin.bearer,
    dataDir: config.dataDir,
    logs,
    graphql: (query, variables) => graphqlAs(admin, query, variables),
    graphqlAs,
    tokenFor: (role, organizationIds) => createToken(admin, role, organizationIds),
    signIn: async (username, password) => ({ cookie: await signInCookie(server.url, username, password) }),
    async upload(query, variables, file, headers = { 'apollo-require-preflight': 'true' }, credential: Credential = admin) {
      const form = new FormData();
      form.append('operations', JSON.stringify({ query, variables }));
      form.append('map', JSON.stringify({ 0: [file.path] }));
      form.append('0', new Blob([new Uint8Array(file.content)], { type: 'application/x-pkcs12' }), file.filename ?? 'certificate.pfx');
      const response = await fetch(graphqlUrl, { method: 'POST', headers: { ...credentialHeaders(credential), ...headers }, body: form });
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
