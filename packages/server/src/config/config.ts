import path from 'node:path';
import { fileURLToPath } from 'node:url';
import proxyAddr from 'proxy-addr';
import { z } from 'zod';
import { decodeMasterKey } from './master-key-encoding.js';

const serverPackageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const defaultWebDistDir = path.join(serverPackageRoot, '../web/dist');

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const masterKey = z.string().transform((value, context) => {
  const key = decodeMasterKey(value);
  if (key) return key;
  // The message never quotes the value: it is a secret, or close to one.
  context.addIssue({ code: 'custom', message: 'must be 32 random bytes, base64-encoded (openssl rand -base64 32)' });
  return z.NEVER;
});

/**
 * Whether pg and TypeORM can read the URL: otherwise they fail later with an error that quotes it,
 * password included, into the log.
 */
function isParsablePostgresUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { username, password, pathname } = new URL(value);
  try {
    for (const part of [username, password, pathname]) decodeURIComponent(part);
    return true;
  } catch {
    return false;
  }
}

/** A web origin as browsers send it in `Origin`: scheme, host and port only. */
const webOrigin = z
  .string()
  .refine((value) => URL.canParse(value) && new URL(value).origin === value, 'must be an origin such as https://console.example.com');
const httpsUrl = z
  .string()
  .url()
  .refine((value) => value.startsWith('https://'), 'must be an https:// URL (TLS is always verified)')
  .transform((value) => value.replace(/\/+$/, ''));

/**
 * Which peers are reverse proxies whose X-Forwarded-For and X-Forwarded-Proto count, as Express's
 * `trust proxy` takes it: `true`/`false`, a number of proxy hops in front of the server, or
 * addresses, CIDR ranges and proxy-addr's names (`loopback`, `linklocal`, `uniquelocal`), comma-separated.
 */
export type TrustProxy = boolean | number | string[];

const trustProxy = z.string().transform((value, context): TrustProxy => {
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^\d{1,3}$/.test(value)) return Number(value);
  const proxies = value
    .split(',')
    .map((proxy) => proxy.trim())
    .filter(Boolean);
  try {
    proxyAddr.compile(proxies);
    return proxies;
  } catch {
    context.addIssue({
      code: 'custom',
      message: 'must be true, false, a number of proxy hops, or addresses, CIDR ranges, loopback, linklocal or uniquelocal (comma-separated)',
    });
    return z.NEVER;
  }
});

const booleanFlag = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((value) => value === 'true' || value === '1' || value === 'yes');

/** Environment variables the server reads; `.env.example` documents each. */
const environmentSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .refine(isParsablePostgresUrl, 'must be a valid postgres:// URL (port a number, user, password and database percent-encoded)')
      .optional(),
    DATA_DIR: z.string().min(1).default('.data'),
    LOG_LEVEL: z.enum(logLevels).default('info'),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
    SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().int().min(0).max(3600).default(150),
    DEMO_DATA: booleanFlag.default(false),
    DEMO_ENTRA_EMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(4433),
    WEB_DIST_DIR: z.string().min(1).optional(),
    PFX_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    PFX_WORKER_THREADS: z.coerce.number().int().min(1).max(64).default(2),
    MASTER_KEY: masterKey.optional(),
    MASTER_KEY_PREVIOUS: z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((key) => key.trim())
          .filter(Boolean),
      )
      .pipe(z.array(masterKey))
      .optional(),
    MASTER_KEY_FILE: z.string().min(1).optional(),
    PFX_PASSWORD: z.string().optional(),
    ALLOWED_ORIGINS: z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((origin) => origin.trim())
          .filter(Boolean),
      )
      .pipe(z.array(webOrigin))
      .optional(),
    TRUST_PROXY: trustProxy.optional(),
    ENTRA_AUTHORITY_HOST: httpsUrl.optional(),
    ENTRA_GRAPH_BASE_URL: httpsUrl.optional(),
    ENTRA_US_GOV_AUTHORITY_HOST: httpsUrl.optional(),
    ENTRA_US_GOV_GRAPH_BASE_URL: httpsUrl.optional(),
    ENTRA_CHINA_AUTHORITY_HOST: httpsUrl.optional(),
    ENTRA_CHINA_GRAPH_BASE_URL: httpsUrl.optional(),
    ENTRA_CA_FILE: z.string().min(1).optional(),
    ENTRA_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
    ENTRA_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
    ENTRA_MAX_RETRY_AFTER_SECONDS: z.coerce.number().int().min(0).max(180).default(30),
    ENTRA_PROOF_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(120_000),
    ENTRA_KEEP_OLD_KEY_UNTIL_EXPIRY: booleanFlag.default(false),
    ENTRA_ROTATION_SWEEP_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
    SESSION_IDLE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(1800),
    SESSION_ABSOLUTE_TIMEOUT_SECONDS: z.coerce
      .number()
      .int()
      .min(1)
      .max(30 * 86_400)
      .default(12 * 3600),
    INITIAL_ADMIN_USERNAME: z.string().min(1).max(64).optional(),
    INITIAL_ADMIN_PASSWORD: z.string().min(12).max(256).optional(),
    SIGN_IN_MAX_FAILURES_PER_USERNAME: z.coerce.number().int().min(1).max(1000).default(5),
    SIGN_IN_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).max(10_000).default(20),
    SIGN_IN_THROTTLE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
    EXPIRY_WARNING_DAYS: z
      .string()
      .transform((value) => value.split(',').map((days) => days.trim()))
      .pipe(
        z
          .array(
            z
              .string()
              .regex(/^\d{1,4}$/, 'must be whole numbers of days')
              .transform(Number)
              .pipe(z.number().int().min(1).max(3650)),
          )
          .min(1)
          .max(10)
          .refine((days) => new Set(days).size === days.length, 'must not repeat a number of days'),
      )
      .default([30, 7, 1]),
    EXPIRY_CHECK_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(3600),
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).max(3_600_000).default(5_000),
    WEBHOOK_RETRY_MAX_MS: z.coerce
      .number()
      .int()
      .min(1)
      .max(7 * 86_400_000)
      .default(3_600_000),
    WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
    WEBHOOK_DISABLE_AFTER_GIVEN_UP: z.coerce.number().int().min(1).max(1000).default(5),
    WEBHOOK_DISABLE_AFTER_FAILING_SECONDS: z.coerce
      .number()
      .int()
      .min(1)
      .max(365 * 86_400)
      .default(5 * 86_400),
    WEBHOOK_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(600_000).default(5_000),
  })
  .superRefine((env, context) => {
    // One without the other would be ignored: the first start would then make an account nobody chose.
    const [username, password] = [env.INITIAL_ADMIN_USERNAME, env.INITIAL_ADMIN_PASSWORD];
    if ((username === undefined) !== (password === undefined)) {
      const missing = username === undefined ? 'INITIAL_ADMIN_USERNAME' : 'INITIAL_ADMIN_PASSWORD';
      context.addIssue({ code: 'custom', path: [missing], message: 'set both INITIAL_ADMIN_USERNAME and INITIAL_ADMIN_PASSWORD, or neither' });
    }
  });

export interface Config {
  port: number;
  host: string;
  /** Set: use this PostgreSQL server. Unset: run the embedded PostgreSQL in `dataDir`. */
  databaseUrl: string | undefined;
  /** Absolute path of the folder holding the embedded database and other server files. */
  dataDir: string;
  logLevel: (typeof logLevels)[number];
  databasePoolSize: number;
  /**
   * On SIGTERM/SIGINT, how long in-flight operations and background work may take to finish before the
   * database closes under them (default: long enough for a rotation's proof wait, ENTRA_PROOF_TIMEOUT_MS).
   */
  shutdownTimeoutMs: number;
  /** Load the demo organizations at start-up when the database has none. */
  demoData: boolean;
  /** `start:demo` only: HTTPS port of the Entra emulator serving the demo tenants. */
  demoEntraEmulatorPort: number;
  /** Built web console (and playground) served at `/`. */
  webDistDir: string;
  /**
   * WEB_DIST_DIR was set: the server refuses to start without that folder. The default folder may be missing
   * (the console not built yet, in development): the server then serves a page saying so.
   */
  webDistDirRequired: boolean;
  /** Largest PFX file accepted, in bytes; larger uploads are cut off while streaming. */
  pfxMaxBytes: number;
  /** Worker threads that parse PFX files and check keys, off the event loop. */
  pfxWorkerThreads: number;
  /** Encryption of private keys at rest. Secret: never logged. */
  masterKey: {
    /** From MASTER_KEY; when unset the key lives in `file`, created on first start. */
    current: Buffer | undefined;
    /** Earlier keys still accepted for decryption until every private key is re-encrypted. */
    previous: Buffer[];
    file: string;
    /** The setting that names `file`, for messages: MASTER_KEY_FILE, or DATA_DIR when the file is its default. */
    fileSetting: 'MASTER_KEY_FILE' | 'DATA_DIR';
  };
  /** Password of the file `cli.js import-certificate` imports, when not read from standard input. Secret: never logged. */
  pfxPassword: string;
  /**
   * Web origins besides the server's own whose pages may call the API (CORS over HTTP, the `Origin`
   * check of WebSockets). Empty: only pages served by this server.
   */
  allowedOrigins: string[];
  /**
   * The reverse proxies in front of the server: their X-Forwarded-For gives the client address and
   * their X-Forwarded-Proto whether the client used TLS. false: nothing is trusted, so a client of a
   * directly exposed server cannot name another address.
   */
  trustProxy: TrustProxy;
  auth: {
    /** A session ends after this long without a request. */
    sessionIdleTimeoutSeconds: number;
    /** A session ends this long after sign-in, however active. */
    sessionAbsoluteTimeoutSeconds: number;
    /** The administrator created on first start when there is no account. Secret password: never logged. */
    initialAdmin: { username: string; password: string } | undefined;
    /** Failed sign-ins allowed per username, and per client address, within `throttleSeconds`. */
    maxFailuresPerUsername: number;
    maxFailuresPerIp: number;
    throttleSeconds: number;
  };
  /** Microsoft Entra and Graph: where each cloud's endpoints are, what TLS trusts, and the time limits of every call. */
  entra: EntraSettings;
  expiry: ExpirySettings;
  webhooks: WebhookSettings;
}

/** The expiry monitor: when it warns, and how often it looks. */
export interface ExpirySettings {
  /** Days before a certificate's expiry at which it is announced as expiring, most distant first (e.g. 30, 7, 1). */
  warningDays: number[];
  /** Seconds between scheduled checks, aligned to the clock (3600: on the hour); 0: this instance runs none. */
  checkIntervalSeconds: number;
}

/** Webhook deliveries: time limits, retries (exponential backoff with full jitter) and when a failing endpoint is disabled. */
export interface WebhookSettings {
  /** Longest wait for a receiver's answer to one delivery attempt. */
  timeoutMs: number;
  /** The n-th retry waits a random time between 0 and min(retryMaxMs, retryBaseMs × 2^(n-1)). */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Attempts of one delivery before it is given up. */
  maxAttempts: number;
  /** An endpoint is disabled after this many given-up deliveries in a row … */
  disableAfterGivenUp: number;
  /** … or once it has failed without a success for this long. */
  disableAfterFailingSeconds: number;
  /** How often each instance looks for due deliveries besides its wake-ups (retries due, other instances' work). */
  pollIntervalMs: number;
}

/** The national clouds of Microsoft Entra an organization can live in. */
export const entraClouds = ['WORLDWIDE', 'US_GOVERNMENT', 'CHINA'] as const;
export type EntraCloudName = (typeof entraClouds)[number];

export interface EntraCloudEndpoints {
  /** Token authority, e.g. `https://login.microsoftonline.com` (the tenant is appended per request). */
  authorityHost: string;
  /** Graph service root without version, e.g. `https://graph.microsoft.com`. */
  graphBaseUrl: string;
  /** The Graph resource scope tokens are requested for: fixed per cloud, even when the endpoints are overridden. */
  graphScope: string;
}

export interface EntraSettings {
  clouds: Record<EntraCloudName, EntraCloudEndpoints>;
  /** Extra CA certificates (PEM) trusted for Entra and Graph, e.g. the emulator's `ca.pem`; verification is never off. */
  caFile: string | undefined;
  /** Longest wait for one Graph or token call, retries included. */
  requestTimeoutMs: number;
  /** Retries of a throttled (429) or unavailable (503/504) call. */
  maxRetries: number;
  /** A Retry-After longer than this is not waited for: the call fails as throttled. */
  maxRetryAfterSeconds: number;
  /** How long a rotation keeps trying to sign in with a new key while Entra replicates it. */
  proofTimeoutMs: number;
  /** true: a rotation leaves the old key on the Entra application until it expires, instead of removing it. */
  keepOldKeyUntilExpiry: boolean;
  /** Seconds between a running server's looks for rotations whose lease ran out (an instance crashed mid-rotation). */
  rotationSweepSeconds: number;
}

const microsoftEndpoint = "Microsoft's endpoint for that cloud";

/**
 * Settings whose absence changes what the server does, each with what it does then. Set but empty — an env
 * file's `DATABASE_URL=`, a compose file's blank value — is taken for a mistake, not a wish for that default:
 * a production server must not quietly start on the embedded database or under a new master key. Other empty
 * settings keep their default, which changes nothing material (`MASTER_KEY_PREVIOUS=`: no earlier key).
 */
const refusedWhenEmpty: Record<string, string> = {
  DATABASE_URL: 'the embedded database in DATA_DIR',
  DATA_DIR: '.data in the working directory',
  MASTER_KEY: 'the master key file (MASTER_KEY_FILE)',
  MASTER_KEY_FILE: 'DATA_DIR/master.key',
  ENTRA_AUTHORITY_HOST: microsoftEndpoint,
  ENTRA_GRAPH_BASE_URL: microsoftEndpoint,
  ENTRA_US_GOV_AUTHORITY_HOST: microsoftEndpoint,
  ENTRA_US_GOV_GRAPH_BASE_URL: microsoftEndpoint,
  ENTRA_CHINA_AUTHORITY_HOST: microsoftEndpoint,
  ENTRA_CHINA_GRAPH_BASE_URL: microsoftEndpoint,
  ENTRA_CA_FILE: "the system's CA certificates only",
  ALLOWED_ORIGINS: 'pages served by this server only',
  INITIAL_ADMIN_USERNAME: 'an administrator "admin" with a one-time password on first start',
  INITIAL_ADMIN_PASSWORD: 'an administrator "admin" with a one-time password on first start',
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the configuration; throws a ConfigError naming every invalid setting. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env, overrides: Record<string, string> = {}): Config {
  const given = { ...environment, ...overrides };
  const emptySettings = Object.keys(refusedWhenEmpty).filter((name) => given[name]?.trim() === '');
  const present = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environmentSchema.safeParse(Object.fromEntries(Object.entries(present).filter(([name]) => !emptySettings.includes(name))));
  const problems = [
    ...emptySettings.map((name) => `${name}: is set but empty; remove it to use ${refusedWhenEmpty[name]}`),
    // An empty setting is one problem: not also, say, an INITIAL_ADMIN_USERNAME missing its password's pair.
    ...(parsed.error?.issues ?? [])
      .filter((issue) => !emptySettings.includes(String(issue.path[0])))
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(`Invalid configuration — ${problems.join('; ')}`);
  const env = parsed.data;
  return {
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    dataDir: path.resolve(env.DATA_DIR),
    logLevel: env.LOG_LEVEL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    demoData: env.DEMO_DATA,
    demoEntraEmulatorPort: env.DEMO_ENTRA_EMULATOR_PORT,
    webDistDir: path.resolve(env.WEB_DIST_DIR ?? defaultWebDistDir),
    webDistDirRequired: env.WEB_DIST_DIR !== undefined,
    pfxMaxBytes: env.PFX_MAX_BYTES,
    pfxWorkerThreads: env.PFX_WORKER_THREADS,
    masterKey: {
      current: env.MASTER_KEY,
      previous: env.MASTER_KEY_PREVIOUS ?? [],
      file: path.resolve(env.MASTER_KEY_FILE ?? path.join(env.DATA_DIR, 'master.key')),
      fileSetting: env.MASTER_KEY_FILE ? 'MASTER_KEY_FILE' : 'DATA_DIR',
    },
    pfxPassword: env.PFX_PASSWORD ?? '',
    allowedOrigins: env.ALLOWED_ORIGINS ?? [],
    trustProxy: env.TRUST_PROXY ?? false,
    entra: {
      clouds: {
        WORLDWIDE: {
          authorityHost: env.ENTRA_AUTHORITY_HOST ?? 'https://login.microsoftonline.com',
          graphBaseUrl: env.ENTRA_GRAPH_BASE_URL ?? 'https://graph.microsoft.com',
          graphScope: 'https://graph.microsoft.com/.default',
        },
        US_GOVERNMENT: {
          authorityHost: env.ENTRA_US_GOV_AUTHORITY_HOST ?? 'https://login.microsoftonline.us',
          graphBaseUrl: env.ENTRA_US_GOV_GRAPH_BASE_URL ?? 'https://graph.microsoft.us',
          graphScope: 'https://graph.microsoft.us/.default',
        },
        CHINA: {
          authorityHost: env.ENTRA_CHINA_AUTHORITY_HOST ?? 'https://login.chinacloudapi.cn',
          graphBaseUrl: env.ENTRA_CHINA_GRAPH_BASE_URL ?? 'https://microsoftgraph.chinacloudapi.cn',
          graphScope: 'https://microsoftgraph.chinacloudapi.cn/.default',
        },
      },
      caFile: env.ENTRA_CA_FILE ? path.resolve(env.ENTRA_CA_FILE) : undefined,
      requestTimeoutMs: env.ENTRA_REQUEST_TIMEOUT_MS,
      maxRetries: env.ENTRA_MAX_RETRIES,
      maxRetryAfterSeconds: env.ENTRA_MAX_RETRY_AFTER_SECONDS,
      proofTimeoutMs: env.ENTRA_PROOF_TIMEOUT_MS,
      keepOldKeyUntilExpiry: env.ENTRA_KEEP_OLD_KEY_UNTIL_EXPIRY,
      rotationSweepSeconds: env.ENTRA_ROTATION_SWEEP_SECONDS,
    },
    expiry: {
      warningDays: [...env.EXPIRY_WARNING_DAYS].sort((a, b) => b - a),
      checkIntervalSeconds: env.EXPIRY_CHECK_INTERVAL_SECONDS,
    },
    webhooks: {
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      retryBaseMs: env.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: Math.max(env.WEBHOOK_RETRY_MAX_MS, env.WEBHOOK_RETRY_BASE_MS),
      maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
      disableAfterGivenUp: env.WEBHOOK_DISABLE_AFTER_GIVEN_UP,
      disableAfterFailingSeconds: env.WEBHOOK_DISABLE_AFTER_FAILING_SECONDS,
      pollIntervalMs: env.WEBHOOK_POLL_INTERVAL_MS,
    },
    auth: {
      sessionIdleTimeoutSeconds: env.SESSION_IDLE_TIMEOUT_SECONDS,
      sessionAbsoluteTimeoutSeconds: env.SESSION_ABSOLUTE_TIMEOUT_SECONDS,
      initialAdmin:
        env.INITIAL_ADMIN_USERNAME && env.INITIAL_ADMIN_PASSWORD
          ? { username: env.INITIAL_ADMIN_USERNAME, password: env.INITIAL_ADMIN_PASSWORD }
          : undefined,
      maxFailuresPerUsername: env.SIGN_IN_MAX_FAILURES_PER_USERNAME,
      maxFailuresPerIp: env.SIGN_IN_MAX_FAILURES_PER_IP,
      throttleSeconds: env.SIGN_IN_THROTTLE_SECONDS,
    },
  };
}
