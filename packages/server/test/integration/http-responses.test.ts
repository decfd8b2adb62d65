import { errorMessages } from '@bam/shared';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../support/test-server.js';

const server = useTestServer({ clearBeforeEach: false });

/** What a stack trace or an install path would look like in a response body. */
function expectNoInternals(body: string) {
  expect(body).not.toMatch(/\bat .+:\d+:\d+/);
  expect(body).not.toContain(process.cwd());
  expect(body).not.toContain('node_modules');
}

describe('HTTP errors', () => {
  it('answers malformed JSON with a coded bad-request error, never a stack trace', async () => {
    const response = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    const body = await response.text();
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(body)).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'BAD_REQUEST' } }] });
    expectNoInternals(body);
  });

  it('answers a JSON body over 1 MiB with a coded error that says so and gives the limit', async () => {
    const query = `{ me { name } }${' '.repeat(1024 * 1024)}`;
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` },
      body: JSON.stringify({ query }),
    });
    const body = await response.text();
    expect(response.status).toBe(413);
    expect(JSON.parse(body)).toEqual({
      errors: [{ message: errorMessages.REQUEST_TOO_LARGE, extensions: { code: 'REQUEST_TOO_LARGE', maxBytes: 1024 * 1024 } }],
    });
    expect(errorMessages.REQUEST_TOO_LARGE).toMatch(/1 MiB/);
    expectNoInternals(body);
  });

  it('answers a path that cannot be URL-decoded with a coded bad-request error', async () => {
    const response = await fetch(`${server.url}/%c0%ae%c0%ae/`);
    const body = await response.text();
    expect(response.status).toBe(400);
    expect(JSON.parse(body)).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'BAD_REQUEST' } }] });
    expectNoInternals(body);
  });
});

describe('security headers', () => {
  it.each(['/', '/playground', '/graphql?query=%7B__typename%7D'])('are sent with %s', async (path) => {
    const response = await fetch(`${server.url}${path}`, { headers: { accept: 'text/html' } });
    const policy = response.headers.get('content-security-policy') ?? '';
    const directives = new Map(
      policy
        .split(';')
        .map((directive) => directive.trim().split(/\s+/))
        .map(([name, ...sources]) => [name, sources.join(' ')]),
    );
    expect(directives.get('default-src')).toBe("'self'");
    expect(directives.get('script-src')).toBe("'self'");
    expect(directives.get('frame-ancestors')).toBe("'none'");
    expect(directives.get('object-src')).toBe("'none'");
    expect(directives.get('base-uri')).toBe("'self'");
    expect(directives.get('form-action')).toBe("'self'");
    expect(policy).not.toContain('unsafe-inline');
    expect(policy).not.toContain('unsafe-eval');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    // Plain HTTP: HSTS would be ignored at best, and belongs on the TLS terminator.
    expect(response.headers.get('strict-transport-security')).toBeNull();
  });
});
