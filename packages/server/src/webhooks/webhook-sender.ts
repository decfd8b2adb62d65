import { STATUS_CODES } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { request } from 'undici';
import { DomainError } from '../common/domain-error.js';
import { checkWebhookUrl } from './webhook-url.js';

/** Longest error text kept for a failed attempt. */
const MAX_ERROR_LENGTH = 300;

export interface WebhookRequest {
  url: string;
  /** The endpoint's `whsec_…` secret. */
  secret: string;
  /** The event id: the `webhook-id` header, the same on every attempt so receivers can drop repeats. */
  messageId: string;
  /** The CloudEvents JSON of the event, exactly as signed. */
  body: string;
  timeoutMs: number;
}

export interface WebhookOutcome {
  delivered: boolean;
  httpStatus: number | null;
  /** Why it failed, short and without the secret or the request; null when delivered. */
  error: string | null;
}

/**
 * POSTs one signed delivery in the Standard Webhooks style: `webhook-id`, `webhook-timestamp` (Unix
 * seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. Only the
 * registered URL is called: redirects are not followed (a 3xx is a failure), so a receiver cannot
 * point the server at another host. undici's `request`, not `fetch`: fetch refuses the Fetch standard's
 * "bad ports" (a browser's guard), where receivers may listen (10080, Amanda's backup port).
 */
export async function sendWebhook({ url, secret, messageId, body, timeoutMs }: WebhookRequest): Promise<WebhookOutcome> {
  const refusal = urlRefusal(url);
  if (refusal) return { delivered: false, httpStatus: null, error: refusal };
  const timestamp = new Date();
  const signature = new Webhook(secret).sign(messageId, timestamp, body);
  try {
    const response = await request(url, {
      method: 'POST',
      maxRedirections: 0,
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/cloudevents+json; charset=utf-8',
        'user-agent': 'backup-applications-manager-webhooks',
        'webhook-id': messageId,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body,
    });
    // The answer's body is not used: release the connection.
    await response.body.dump().catch(() => undefined);
    const status = response.statusCode;
    if (status >= 200 && status < 300) return { delivered: true, httpStatus: status, error: null };
    const reason = status >= 300 && status < 400 ? 'redirect not followed' : (STATUS_CODES[status] ?? 'not a 2xx answer');
    return { delivered: false, httpStatus: status, error: trim(`HTTP ${status}: ${reason}`) };
  } catch (error) {
    return { delivered: false, httpStatus: null, error: trim(describeFailure(error, timeoutMs)) };
  }
}

/**
 * Why the URL may not be called under today's rules: endpoints stored under older ones (plain HTTP to
 * `*.localhost` names, which Node resolves through DNS) are checked again before every attempt.
 */
function urlRefusal(url: string): string | null {
  try {
    checkWebhookUrl(url);
    return null;
  } catch (error) {
    if (error instanceof DomainError) return `Not sent: ${error.message}`;
    throw error;
  }
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  // The network error (ECONNREFUSED, ENOTFOUND, TLS) itself, or as the cause of a wrapping one.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

function trim(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_ERROR_LENGTH ? `${line.slice(0, MAX_ERROR_LENGTH - 1)}…` : line;
}
