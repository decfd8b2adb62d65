import { ErrorCode } from '@bam/shared';
import { describe, expect, it } from 'vitest';
import { type DomainError } from '../common/domain-error.js';
import { checkWebhookUrl } from './webhook-url.js';

function codeOf(url: string): string | null {
  try {
    checkWebhookUrl(url);
    return null;
  } catch (error) {
    return (error as DomainError).code;
  }
}

describe('webhook URLs', () => {
  it('accepts HTTPS anywhere and plain HTTP to the loopback only', () => {
    expect(checkWebhookUrl(' https://hooks.example.com/bam?x=1#frag ')).toBe('https://hooks.example.com/bam?x=1');
    expect(codeOf('http://localhost:8080/hook')).toBeNull();
    expect(codeOf('http://127.0.0.1:9/hook')).toBeNull();
    expect(codeOf('http://127.12.0.1/hook')).toBeNull();
    expect(codeOf('http://[::1]:8080/hook')).toBeNull();
    expect(codeOf('http://hooks.example.com/bam')).toBe(ErrorCode.WEBHOOK_URL_NOT_HTTPS);
    expect(codeOf('http://10.0.0.1/bam')).toBe(ErrorCode.WEBHOOK_URL_NOT_HTTPS);
    expect(codeOf('http://127.0.0.1.example.com/bam')).toBe(ErrorCode.WEBHOOK_URL_NOT_HTTPS);
  });

  it('allows plain HTTP to the name localhost itself only: any other name is looked up through DNS', () => {
    expect(codeOf('http://LocalHost:8080/hook')).toBeNull();
    expect(codeOf('http://evil.localhost/hook')).toBe(ErrorCode.WEBHOOK_URL_NOT_HTTPS);
    expect(codeOf('http://a.b.localhost:8080/hook')).toBe(ErrorCode.WEBHOOK_URL_NOT_HTTPS);
    expect(codeOf('http://localhost./hook')).toBe(ErrorCode.WEBHOOK_URL_NOT_HTTPS);
    expect(codeOf('https://evil.localhost/hook')).toBeNull();
  });

  it('refuses credentials, other schemes and what is not a URL', () => {
    expect(codeOf('https://user:secret@hooks.example.com/')).toBe(ErrorCode.WEBHOOK_URL_HAS_CREDENTIALS);
    expect(codeOf('https://user@hooks.example.com/')).toBe(ErrorCode.WEBHOOK_URL_HAS_CREDENTIALS);
    expect(codeOf('ftp://hooks.example.com/')).toBe(ErrorCode.WEBHOOK_URL_INVALID);
    expect(codeOf('javascript:alert(1)')).toBe(ErrorCode.WEBHOOK_URL_INVALID);
    expect(codeOf('hooks.example.com/bam')).toBe(ErrorCode.WEBHOOK_URL_INVALID);
    expect(codeOf(`https://hooks.example.com/${'a'.repeat(2048)}`)).toBe(ErrorCode.WEBHOOK_URL_INVALID);
  });
});
