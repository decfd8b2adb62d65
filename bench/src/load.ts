import http from 'node:http';
import { demoAccounts } from '@bam/server/src/demo/demo-accounts.js';
import { signInCookie } from '@bam/server/test/support/sign-in.js';

export interface LoadResult {
  requests: number;
  elapsedMs: number;
}

/**
 * Sends the same GraphQL POST over keep-alive connections, `concurrency` at a time, for `durationMs`.
 * Every response must be 200 and free of GraphQL errors (checked on the first): a failing server
 * would otherwise look fast.
 */
export async function postLoad(
  url: string,
  body: string,
  { durationMs, concurrency }: { durationMs: number; concurrency: number },
): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const started = performance.now();
  const deadline = started + durationMs;
  let requests = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const text = await post(url, body, agent);
      if (requests === 0 && text.includes('"errors"')) throw new Error(`GraphQL errors from ${url}: ${text.slice(0, 500)}`);
      requests += 1;
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return { requests, elapsedMs: performance.now() - started };
}

/** The administrator every measured product server is started with (never a real secret). */
const benchAdministrator = { username: 'bench', password: 'bench-password-not-secret' };
export const benchAdministratorEnvironment = {
  INITIAL_ADMIN_USERNAME: benchAdministrator.username,
  INITIAL_ADMIN_PASSWORD: benchAdministrator.password,
};

/** Session cookies by server base URL: requests to the product are signed in, as the console's are. */
const sessions = new Map<string, string>();

/**
 * Signs in to the product at `baseUrl` as its administrator (the demo's, on a server started with demo
 * data); later requests to it carry the session. Returns the `Cookie` header value.
 */
export async function signIn(baseUrl: string, { demo = false } = {}): Promise<string> {
  const account = demo ? demoAccounts.find((candidate) => candidate.role === 'ADMINISTRATOR')! : benchAdministrator;
  const cookie = await signInCookie(baseUrl, account.username, account.password);
  sessions.set(baseUrl, cookie);
  return cookie;
}

/** The session cookie for a URL of a signed-in server; none for the baselines. */
export function sessionCookieFor(url: string): string | undefined {
  for (const [baseUrl, cookie] of sessions) if (url.startsWith(baseUrl)) return cookie;
  return undefined;
}

/** One JSON POST; resolves with the response text, rejects on any status but 200. */
export function post(url: string, body: string, agent?: http.Agent, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const cookie = sessionCookieFor(url);
    const request = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', ...(cookie && { cookie }), ...headers } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (response.statusCode === 200) resolve(text);
          else reject(new Error(`HTTP ${response.statusCode} from ${url}: ${text.slice(0, 500)}`));
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** Sends one GraphQL operation and returns its data; throws on GraphQL errors. */
export async function graphql<Data>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<Data> {
  const result = JSON.parse(await post(url, JSON.stringify({ query, variables }))) as { data?: Data; errors?: unknown[] };
  if (result.errors) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors).slice(0, 1000)}`);
  return result.data!;
}
