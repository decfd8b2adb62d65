import { isIP } from 'node:net';
import { ErrorCode } from '@bam/shared';
import { DomainError } from '../common/domain-error.js';

const MAX_URL_LENGTH = 2048;

/**
 * Checks an endpoint URL and returns it normalized. HTTPS only, except plain HTTP to the loopback
 * (a receiver on the same machine, and tests); no user name or password in it (the signature
 * authenticates deliveries, and a URL is shown to every administrator).
 */
export function checkWebhookUrl(input: string): string {
  const text = input.trim();
  if (text.length > MAX_URL_LENGTH || !URL.canParse(text)) throw new DomainError(ErrorCode.WEBHOOK_URL_INVALID);
  const url = new URL(text);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new DomainError(ErrorCode.WEBHOOK_URL_INVALID);
  if (!url.hostname) throw new DomainError(ErrorCode.WEBHOOK_URL_INVALID);
  if (url.username || url.password) throw new DomainError(ErrorCode.WEBHOOK_URL_HAS_CREDENTIALS);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) throw new DomainError(ErrorCode.WEBHOOK_URL_NOT_HTTPS);
  url.hash = '';
  return url.href;
}

/**
 * localhost, 127.0.0.0/8 and ::1 (URL keeps IPv6 hosts in brackets). Names under `.localhost` are not:
 * Node looks them up through DNS like any other name, so a plain-HTTP delivery could leave the machine.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}
