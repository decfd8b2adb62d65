import { describe, expect, it } from 'vitest';
import { useTestServer } from '../support/test-server.js';

const server = useTestServer();
const browserAccept = { page: 'text/html,application/xhtml+xml,*/*;q=0.8', image: 'image/avif,image/webp,image/*,*/*;q=0.8' };

describe('the console page and its files', () => {
  it('answers a client-side route with the console page', async () => {
    const response = await fetch(`${server.url}/organizations/some-id`, { headers: { accept: browserAccept.page } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<div id="app">');
  });

  it.each([
    ['a favicon the console does not have', '/favicon.ico', browserAccept.image],
    ['a chunk of an older build', '/assets/start-console-0ld8u1ld.js', '*/*'],
  ])('answers %s with 404, not the page', async (_what, file, accept) => {
    const response = await fetch(`${server.url}${file}`, { headers: { accept } });
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('<div id="app">');
  });
});
