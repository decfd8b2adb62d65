import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoAccounts } from '../../packages/server/src/demo/demo-accounts.js';
import type { ServerProcess } from '../../packages/server/test/support/server-process.js';
import { launchChromium } from '../support/browser.js';
import { ConsolePage } from '../support/console-page.js';
import { spawnConsoleServer } from '../support/console-server.js';

let server: ServerProcess;
let stopServer: () => Promise<void>;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  ({ server, stop: stopServer } = await spawnConsoleServer({ DEMO_DATA: 'true' }));
  [baseUrl, browser] = await Promise.all([server.started, launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await stopServer?.();
});

const account = (role: string) => demoAccounts.find((demo) => demo.role === role)!;

it('signs in, refuses a wrong password with a plain message, and signs out back to the sign-in page', async () => {
  const page = await browser.newPage();
  const ui = new ConsolePage(page, 'sign-in');
  await page.goto(baseUrl);
  await page.getByTestId('sign-in-page').waitFor();
  await ui.screenshot('sign-in-page');

  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password', { exact: true }).fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.getByTestId('sign-in-error').innerText()).toBe('The username or password is not correct.');
  await ui.screenshot('wrong-password');

  await ui.signIn(account('ADMINISTRATOR').username, account('ADMINISTRATOR').password);
  expect(await page.getByTestId('signed-in-user').innerText()).toBe('admin (Administrator)');
  await ui.organization('contoso.onmicrosoft.com').waitFor();
  const cookies = await page.context().cookies();
  expect(cookies).toEqual([expect.objectContaining({ name: 'bam_session', httpOnly: true, sameSite: 'Strict' })]);

  await ui.signOut();
  await page.reload();
  await page.getByTestId('sign-in-page').waitFor();
  expect(await page.context().cookies()).toEqual([]);
  await page.close();
});

it('shows a Viewer the applications without the Update certificate, Remove, Add… and Verify controls', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const ui = new ConsolePage(page, 'viewer');
  await page.goto(baseUrl);
  await ui.signIn(account('VIEWER').username, account('VIEWER').password);
  expect(await page.getByTestId('signed-in-user').innerText()).toBe('viewer (Viewer)');
  await ui.openManagerByRightClick('contoso.onmicrosoft.com');
  await ui.screenshot('viewer-manager');

  expect(await ui.manager.getByTestId('remove-selected').count()).toBe(0);
  expect(await ui.manager.getByTestId('update-selected').count()).toBe(0);
  expect(await ui.manager.getByTestId('certificate-link').count()).toBe(0);
  // Contoso is connected to Entra, where an Operator gets Add… and Verify: the server refuses both to a Viewer.
  expect(await ui.manager.getByTestId('add-applications').count()).toBe(0);
  expect(await ui.manager.getByTestId('verify-applications').count()).toBe(0);
  expect(await ui.row('Contoso Backup 01').getByTestId('certificate-state').innerText()).toBe('Configured');
  // Keyboard shortcuts are inert too: Delete on a selection opens no confirmation.
  await ui.clickRow('Contoso Backup 01');
  await page.keyboard.press('Delete');
  await page.keyboard.press('Enter');
  expect(await ui.wizard.count()).toBe(0);
  expect(await page.getByRole('dialog').count()).toBe(1);
  await page.close();
});

// addOrganization and removeOrganization need an Administrator: below that, no control offers them.
it.each([
  ['VIEWER', false],
  ['OPERATOR', false],
  ['ADMINISTRATOR', true],
] as const)('offers Add organization… and Remove organization… to a %s: %s', async (role, offered) => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const ui = new ConsolePage(page, `organization-controls-${role.toLowerCase()}`);
  await page.goto(baseUrl);
  await ui.signIn(account(role).username, account(role).password);
  await ui.organization('contoso.onmicrosoft.com').click();
  await page.getByTestId('organization-summary').getByTestId('summary-applications').waitFor();
  expect(await page.getByRole('button', { name: 'Add organization…' }).count()).toBe(offered ? 1 : 0);
  expect(await page.getByRole('button', { name: 'Remove organization…' }).count()).toBe(offered ? 1 : 0);
  await ui.organization('contoso.onmicrosoft.com').click({ button: 'right' });
  const menu = page.getByRole('menu');
  await menu.getByRole('menuitem', { name: 'Manage backup applications' }).waitFor();
  expect(await menu.getByRole('menuitem', { name: 'Remove organization…' }).count()).toBe(offered ? 1 : 0);
  await ui.screenshot('menu');
  await page.close();
});

it('lets an administrator create an account and an API token, and read both in the audit log', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const ui = new ConsolePage(page, 'administration');
  await page.goto(baseUrl);
  await ui.signIn(account('ADMINISTRATOR').username, account('ADMINISTRATOR').password);
  await page.getByTestId('switch-view').click();

  const users = page.getByTestId('users-panel');
  await users.getByLabel('Username').fill('auditor');
  await users.getByLabel('Temporary password').fill('temporary-password');
  await users.getByRole('button', { name: 'Create user' }).click();
  await users.getByTestId('user-row').filter({ hasText: 'auditor' }).getByText('Must change password').waitFor();

  await page.getByTestId('admin-tab-tokens').click();
  const tokens = page.getByTestId('tokens-panel');
  await tokens.getByLabel('Name').fill('browser test');
  // Limited to one organization: untick "All", tick Contoso.
  await tokens.getByTestId('scope-picker').getByLabel('All').uncheck();
  await tokens.getByTestId('scope-picker').getByLabel('contoso.onmicrosoft.com').check();
  await tokens.getByRole('button', { name: 'Create token' }).click();
  expect(await tokens.getByTestId('token-secret').locator('code').innerText()).toMatch(/^bam_[\w-]{43}$/);
  await tokens.getByTestId('token-row').filter({ hasText: 'browser test' }).filter({ hasText: '1 organization' }).waitFor();
  await ui.screenshot('tokens');

  await page.getByTestId('admin-tab-audit').click();
  const audit = page.getByTestId('audit-panel');
  await audit.getByTestId('audit-row').filter({ hasText: 'API_TOKEN_CREATED' }).waitFor();
  await audit.getByTestId('audit-row').filter({ hasText: 'USER_CREATED' }).filter({ hasText: 'user:admin' }).waitFor();
  await ui.screenshot('audit-log');
  await page.close();
});
