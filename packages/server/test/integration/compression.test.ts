import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { seedManyApplications, seedOrganization } from '../support/seed.js';
import { useTestServer } from '../support/test-server.js';

// The console as `pnpm build` leaves it, which the server serves by default.
const webDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

const server = useTestServer();

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request whose body arrives as sent, still encoded: fetch would decode it out of sight. */
function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(url, { method: options.method ?? 'GET', headers: options.headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

function decode(response: RawResponse): Buffer {
  const encoding = response.headers['content-encoding'];
  if (encoding === 'br') return brotliDecompressSync(response.body);
  if (encoding === 'gzip') return gunzipSync(response.body);
  return response.body;
}

describe('the console entry script', async () => {
  const html = await readFile(path.join(webDist, 'index.html'), 'utf8');
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
  const built = await readFile(path.join(webDist, script));

  it.each(['br', 'gzip'])('goes out %s-encoded, cached for good, and decodes to the built file', async (encoding) => {
    const response = await request(`${server.url}${script}`, { headers: { 'accept-encoding': encoding } });
    expect(response.status).toBe(200);
    expect(response.headers['content-encoding']).toBe(encoding);
    expect(response.headers['content-type']).toMatch(/^text\/javascript/);
    expect(response.headers.vary).toMatch(/Accept-Encoding/i);
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(response.body.length).toBeLessThan(built.length / 2);
    expect(decode(response).equals(built)).toBe(true);
  });

  it('prefers brotli when the browser accepts both', async () => {
    const response = await request(`${server.url}${script}`, { headers: { 'accept-encoding': 'gzip, deflate, br, zstd' } });
    expect(response.headers['content-encoding']).toBe('br');
  });

  it('goes out as is to a client that accepts no encoding', async () => {
    const response = await request(`${server.url}${script}`);
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.headers.vary).toMatch(/Accept-Encoding/i);
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(response.body.equals(built)).toBe(true);
  });

  it('leaves the page itself to revalidate', async () => {
    const response = await request(`${server.url}/`, { headers: { accept: 'text/html', 'accept-encoding': 'br' } });
    expect(response.headers['cache-control']).toBe('no-cache');
  });
});

describe('GraphQL responses', () => {
  const query = '{ organizations(first: 1) { edges { node { backupApplications { id applicationId displayName addedAt } } } } }';

  async function post(acceptEncoding?: string): Promise<RawResponse> {
    const { organization } = await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', []);
    await seedManyApplications(server.database.dataSource, organization.id, 300);
    return request(`${server.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${server.adminToken}`,
        ...(acceptEncoding && { 'accept-encoding': acceptEncoding }),
      },
      body: JSON.stringify({ query }),
    });
  }

  it.each(['br', 'gzip'])('are %s-compressed when the client accepts it', async (encoding) => {
    const response = await post(encoding);
    expect(response.headers['content-encoding']).toBe(encoding);
    const body = decode(response);
    expect(response.body.length).toBeLessThan(body.length / 3);
    const { data } = JSON.parse(body.toString('utf8')) as { data: { organizations: { edges: { node: { backupApplications: unknown[] } }[] } } };
    expect(data.organizations.edges[0]!.node.backupApplications).toHaveLength(300);
  });

  it('are sent as is to a client that accepts no encoding', async () => {
    const response = await post();
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(response.body.toString('utf8'))).toHaveProperty('data');
  });
});
