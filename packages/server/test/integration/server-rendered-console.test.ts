import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { seedOrganization } from '../support/seed.js';
import { type Credential, credentialHeaders, testAdmin, useTestServer } from '../support/test-server.js';

const hostileName = '</script><script>alert(1)</script><!--';
const webDistDir = loadConfig({}).webDistDir;
const staticPage = () => fs.readFile(path.join(webDistDir, 'index.html'), 'utf8');

/** `GET /` as a browser opens the console. */
async function openConsole(url: string, credential: Credential) {
  const response = await fetch(`${url}/`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8', ...credentialHeaders(credential) } });
  const html = await response.text();
  const app = /<div id="app">([\s\S]*)<\/div><script type="application\/json" id="first-view-state">/.exec(html)?.[1];
  const block = /<script type="application\/json" id="first-view-state">([\s\S]*?)<\/script>/.exec(html)?.[1];
  return { response, html, app, state: block === undefined ? undefined : (JSON.parse(block) as Record<string, unknown>) };
}

/** The names the rendered inventory lists, in order. */
const listedNames = (app: string) => [...app.matchAll(/<span class="tree__label" title="[^"]*">([^<]*)<\/span>/g)].map((match) => match[1]);

describe('the console page rendered on the server', () => {
  const server = useTestServer({ clearBeforeEach: false });
  let contosoId: string;

  beforeAll(async () => {
    const { dataSource } = server.database;
    contosoId = (await seedOrganization(dataSource, 'contoso.onmicrosoft.com', [{ displayName: 'Contoso 1' }])).organization.id;
    await seedOrganization(dataSource, 'fabrikam.onmicrosoft.com', [{ displayName: 'Fabrikam 1' }]);
    await seedOrganization(dataSource, hostileName, []);
  });

  /** A new account of that role and scope, signed in with its own password: its session cookie. */
  async function signedInUser(username: string, organizationIds: string[] | null): Promise<{ cookie: string }> {
    const created = await server.graphql('mutation($input: CreateUserInput!) { createUser(input: $input) { errors { code } } }', {
      input: { username, password: 'temporary-password', role: 'OPERATOR', organizationIds },
    });
    expect(created.errors).toBeUndefined();
    const session = await server.signIn(username, 'temporary-password');
    await server.graphqlAs(session, 'mutation($input: ChangePasswordInput!) { changePassword(input: $input) { errors { code } } }', {
      input: { currentPassword: 'temporary-password', newPassword: 'a-long-new-password' },
    });
    return server.signIn(username, 'a-long-new-password');
  }

  it('shows a signed-in user the organizations in the page itself, with the cache it was rendered from, never stored', async () => {
    const { response, html, app, state } = await openConsole(server.url, await server.signIn(testAdmin.username, testAdmin.password));
    expect(response.status).toBe(200);
    // The console's code comes after the first paint, not preloaded beside it; its entry and styles stay.
    expect(await staticPage()).toContain('rel="modulepreload"');
    expect(html).not.toContain('rel="modulepreload"');
    expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/console-[\w-]+\.js"><\/script>/);
    // The styles come in the page, allowed by their hash alone: no request for them holds up the first paint.
    expect(await staticPage()).toMatch(/<link rel="stylesheet"/);
    expect(html).not.toMatch(/<link rel="stylesheet"/);
    const styles = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1];
    expect(styles).toContain('.tree__item');
    const stylesHash = createHash('sha256').update(styles!).digest('base64');
    expect(response.headers.get('content-security-policy')).toContain(`style-src 'self' 'sha256-${stylesHash}';`);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('vary')).toMatch(/Cookie/i);
    // The policy allows no inline script: the data block is never executed, only read.
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(listedNames(app!)).toEqual(expect.arrayContaining(['contoso.onmicrosoft.com', 'fabrikam.onmicrosoft.com']));
    expect(app).toContain('data-testid="organization-item"');
    expect(app).toContain('data-testid="signed-in-user"');
    const names = Object.values(state!)
      .filter((entry) => (entry as { __typename?: string }).__typename === 'Organization')
      .map((entry) => (entry as { name: string }).name);
    expect(names.sort()).toEqual([hostileName, 'contoso.onmicrosoft.com', 'fabrikam.onmicrosoft.com'].sort());
    expect(state!.ROOT_QUERY).toMatchObject({ me: expect.objectContaining({ name: testAdmin.username }) });
  });

  it('escapes a name that tries to end the data block or the markup, in both', async () => {
    const { html, app, state } = await openConsole(server.url, await server.signIn(testAdmin.username, testAdmin.password));
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('alert(1)</script><!--');
    // The only `</script>`s end the page's own two script elements; the data block holds no `<` at all.
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(/id="first-view-state">([^]*?)<\/script>/.exec(html)![1]).not.toContain('<');
    expect(app).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!--');
    expect(JSON.stringify(state)).toContain(JSON.stringify(hostileName));
  });

  it('shows an organization-scoped user only the organizations of its scope', async () => {
    const { app, state } = await openConsole(server.url, await signedInUser('scoped', [contosoId]));
    expect(listedNames(app!)).toEqual(['contoso.onmicrosoft.com']);
    expect(JSON.stringify(state)).not.toContain('fabrikam');
    expect(app).not.toContain('fabrikam');
  });

  it('serves the static page to a signed-out visitor, a bad session and a user who must change the password', async () => {
    const created = await server.graphql(
      'mutation { createUser(input: { username: "newcomer", password: "temporary-password", role: VIEWER }) { errors { code } } }',
    );
    expect(created.errors).toBeUndefined();
    for (const credential of [null, { cookie: 'bam_session=not-a-session' }, await server.signIn('newcomer', 'temporary-password')]) {
      const { response, html } = await openConsole(server.url, credential);
      expect(response.status).toBe(200);
      expect(html).toBe(await staticPage());
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-security-policy')).toContain("style-src 'self';");
    }
  });

  it('never serves the renderer itself to a browser', async () => {
    for (const file of ['/ssr/entry-server.mjs', '/ssr/', '/ssr']) {
      const response = await fetch(`${server.url}${file}`, { headers: { accept: '*/*' } });
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('renderFirstView');
    }
  });
});

describe('when rendering fails', () => {
  // A web build whose renderer fails: the page is still served, the static way.
  const brokenDist = path.join(os.tmpdir(), `bam-broken-web-${randomUUID()}`);
  beforeAll(async () => {
    await fs.cp(webDistDir, brokenDist, { recursive: true });
    await fs.writeFile(
      path.join(brokenDist, 'ssr/entry-server.mjs'),
      `export const FIRST_VIEW_STATE_ID = 'first-view-state';
export const firstViewRequests = [{ operationName: 'Me', query: 'query Me { me { name } }', variables: {} }];
export function renderFirstView() { throw new Error('the renderer failed'); }`,
    );
  });
  afterAll(() => fs.rm(brokenDist, { recursive: true, force: true }));
  const server = useTestServer({ clearBeforeEach: false, environment: { WEB_DIST_DIR: brokenDist } });

  it('ends the page as the static one, with an empty #app the console fills itself, and logs a warning without the session', async () => {
    const session = await server.signIn(testAdmin.username, testAdmin.password);
    const { response, html } = await openConsole(server.url, session);
    expect(response.status).toBe(200);
    // The head left before the rendering failed: the static page without its module preloads, its styles inline.
    const staticHtml = await fs.readFile(path.join(brokenDist, 'index.html'), 'utf8');
    const stylesheet = /<link rel="stylesheet"[^>]*href="\/([^"]+)"[^>]*>/.exec(staticHtml)!;
    const styles = await fs.readFile(path.join(brokenDist, stylesheet[1]!), 'utf8');
    expect(html).toBe(staticHtml.replace(/<link rel="modulepreload"[^>]*>\s*/g, '').replace(stylesheet[0], `<style>${styles}</style>`));
    expect(html).toContain('<div id="app"></div>');
    const warnings = server.logs.filter((line) => line.includes('could not render the console on the server'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('the renderer failed');
    expect(warnings[0]).not.toContain(session.cookie.split('=')[1]);
  });
});
