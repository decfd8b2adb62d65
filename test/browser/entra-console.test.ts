import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunningEntraEmulator } from '@bam/entra-emulator';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  backups,
  entraThumbprints,
  management,
  newCertificate,
  startEmulatorForServer,
  tenant,
} from '../../packages/server/test/support/entra-fixture.js';
import { forgePfx, type TestCertificate } from '../../packages/server/test/support/pfx-fixtures.js';
import type { ServerProcess } from '../../packages/server/test/support/server-process.js';
import { axeViolations } from '../support/axe.js';
import { launchChromium, recordCspViolations } from '../support/browser.js';
import { ConsolePage } from '../support/console-page.js';
import { spawnConsoleServer } from '../support/console-server.js';

/**
 * Microsoft Entra in the console, against the built server and an in-process Entra emulator: a tenant
 * onboarded with Add organization, applications added from Entra, and rotations whose steps show —
 * then the emulator says what Entra really holds. The tests run in order on one server: each starts
 * where the one before left the tenant.
 */
let server: ServerProcess;
let stopServer: () => Promise<void>;
let emulator: RunningEntraEmulator;
let stopEmulator: () => Promise<void>;
let baseUrl: string;
let browser: Browser;
let files: string;

/** Adding organizations is an Administrator's task: the server's first account. */
const administrator = {
  username: 'entra-admin',
  password: 'entra-admin-password',
  environment: { INITIAL_ADMIN_USERNAME: 'entra-admin', INITIAL_ADMIN_PASSWORD: 'entra-admin-password' },
};

beforeAll(async () => {
  let environment: Record<string, string>;
  ({ emulator, environment, stop: stopEmulator } = await startEmulatorForServer());
  ({ server, stop: stopServer } = await spawnConsoleServer({ ...environment, ...administrator.environment }));
  files = await mkdtemp(path.join(tmpdir(), 'bam-entra-console-files-'));
  [baseUrl, browser] = await Promise.all([server.started, launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await stopServer?.();
  await stopEmulator?.();
  if (files) await rm(files, { recursive: true, force: true });
});

let cspViolations: string[] = [];
afterEach(() => {
  expect(cspViolations).toEqual([]);
});

/** The certificate Contoso Backup 01 holds after the first test. */
let second: TestCertificate;

async function signedInPage(prefix: string): Promise<{ page: Page; ui: ConsolePage; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  cspViolations = await recordCspViolations(page);
  await page.goto(baseUrl);
  const ui = new ConsolePage(page, prefix);
  await ui.signIn(administrator.username, administrator.password);
  return { page, ui, errors };
}

async function pfxFile(name: string, certificate: TestCertificate): Promise<{ path: string; password: string }> {
  const pfx = forgePfx({ certificate });
  const file = path.join(files, name);
  await writeFile(file, pfx.file);
  return { path: file, password: pfx.password };
}

async function rotateWithPfx(page: Page, ui: ConsolePage, applicationName: string, pfx: { path: string; password: string }): Promise<void> {
  await ui
    .row(applicationName)
    .getByRole('button', { name: /Configured|Not configured/ })
    .click();
  await ui.wizard.waitFor();
  await ui.wizard.getByRole('radio', { name: /Import certificate from a PFX file/ }).check();
  await ui.wizard.getByRole('button', { name: 'Next >' }).click();
  const chooser = page.waitForEvent('filechooser');
  await ui.wizard.getByRole('button', { name: 'Browse…' }).click();
  await (await chooser).setFiles(pfx.path);
  await ui.wizard.getByLabel('Password', { exact: true }).fill(pfx.password);
  await ui.wizard.getByRole('button', { name: 'Next >' }).click();
  // Before Finish the steps are listed, all to do.
  expect(await ui.wizard.getByTestId('rotation-steps').innerText()).toContain('Register the new key on each Entra application');
}

describe('Microsoft Entra in the web console', () => {
  it('adds an organization and its applications from Entra, then rotates a key with visible steps', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    cspViolations = await recordCspViolations(page);
    await page.goto(baseUrl);
    const ui = new ConsolePage(page, 'entra-console');
    await ui.signIn(administrator.username, administrator.password);

    // Add organization: the management certificate comes as a PFX; a wrong application id is named on its step.
    const managementCertificate = newCertificate('Contoso Test Backup Management');
    emulator.admin.registerKeyCredential(tenant.id, management.appId, { key: managementCertificate.der.toString('base64') });
    const managementPfx = await pfxFile('management.pfx', managementCertificate);
    await page.getByTestId('add-organization').click();
    const wizard = page.getByTestId('add-organization-dialog');
    await wizard.getByTestId('add-organization-tenant').fill(tenant.domain);
    await wizard.getByTestId('add-organization-next').click();
    await wizard.getByTestId('add-organization-application-id').fill(backups[6]!.appId);
    await wizard.getByTestId('add-organization-source-pfx').check();
    await wizard.getByTestId('add-organization-pfx').setInputFiles(managementPfx.path);
    await wizard.getByTestId('add-organization-password').fill(managementPfx.password);
    await wizard.getByTestId('add-organization-finish').click();
    await expect.poll(() => wizard.getByTestId('add-organization-error-management').innerText()).toContain('Microsoft Entra');
    await ui.screenshot('add-organization-error');

    // The PFX joined the store with the first try: pick it from the store now.
    await wizard.getByTestId('add-organization-application-id').fill(management.appId);
    await wizard.getByTestId('add-organization-source-store').check();
    const certificateSelect = wizard.getByTestId('add-organization-certificate');
    await expect.poll(() => certificateSelect.locator('option').count()).toBeGreaterThan(1);
    const option = certificateSelect.locator('option', { hasText: managementCertificate.thumbprint });
    await certificateSelect.selectOption((await option.getAttribute('value'))!);
    await wizard.getByTestId('add-organization-finish').click();
    await wizard.waitFor({ state: 'detached' });
    await ui.organization(tenant.domain).waitFor();

    // Add…: the tenant's applications, filtered by name, several chosen at once.
    // A new organization has no applications yet: open the manager without waiting for rows.
    await ui.organization(tenant.domain).click({ button: 'right' });
    await ui.menu.getByRole('menuitem', { name: 'Manage backup applications' }).click();
    await ui.manager.getByTestId('applications-empty').waitFor();
    await ui.manager.getByTestId('add-applications').click();
    const add = page.getByTestId('add-applications-dialog');
    await add.getByTestId('available-filter').fill('Contoso Backup 0');
    await add.getByTestId(`available-${backups[0]!.appId}`).check();
    await add.getByTestId(`available-${backups[1]!.appId}`).check();
    await ui.screenshot('add-applications');
    await add.getByTestId('add-applications-confirm').click();
    await add.waitFor({ state: 'detached' });
    await ui.row('Contoso Backup 01').waitFor();
    await ui.row('Contoso Backup 02').waitFor();

    // First certificate of Contoso Backup 01, then a rotation to a second one while Entra replicates slowly.
    const first = newCertificate('Contoso Test Backup 01 (first)');
    await rotateWithPfx(page, ui, 'Contoso Backup 01', await pfxFile('first.pfx', first));
    await ui.wizard.getByRole('button', { name: 'Finish' }).click();
    await ui.wizard.waitFor({ state: 'detached' });
    await expect.poll(() => ui.manager.getByTestId('manager-status').innerText()).toContain('Entra now holds the new certificate');
    expect(entraThumbprints(emulator, backups[0]!.appId)).toEqual([first.thumbprint]);

    second = newCertificate('Contoso Test Backup 01 (second)');
    await rotateWithPfx(page, ui, 'Contoso Backup 01', await pfxFile('second.pfx', second));
    emulator.admin.configure({ keyReplicationDelayMs: 1500 });
    await ui.wizard.getByRole('button', { name: 'Finish' }).click();
    // Live: the proof is under way, retried while Entra replicates the key.
    await ui.wizard.locator('[data-testid="rotation-step-prove"]:is([data-state="running"], [data-state="retrying"])').waitFor();
    await ui.screenshot('rotation-running');
    await ui.wizard.waitFor({ state: 'detached' });
    emulator.admin.configure({ keyReplicationDelayMs: 0 });

    // Entra holds the new key and no longer the old one.
    expect(entraThumbprints(emulator, backups[0]!.appId)).toEqual([second.thumbprint]);

    // The steps arrived one by one: the wizard listened before Finish sent the update.
    // Verify shows the result in the details panel.
    await ui.clickRow('Contoso Backup 01');
    await ui.manager.getByTestId('verify-applications').click();
    await expect.poll(() => ui.manager.getByTestId('details-entra-status').getAttribute('data-status')).toBe('REGISTERED');
    await ui.screenshot('verified');
    expect(errors).toEqual([]);
  });

  it('names the failing step and Entra’s code when the application cannot sign in with the new key, and keeps the old certificate', async () => {
    const { page, ui, errors } = await signedInPage('entra-console-failure');
    await ui.openManagerByRightClick(tenant.domain);
    const refused = newCertificate('Contoso Test Backup 01 (refused)');
    await rotateWithPfx(page, ui, 'Contoso Backup 01', await pfxFile('refused.pfx', refused));
    // Entra never replicates the new key within the proof's time (ENTRA_PROOF_TIMEOUT_MS): every sign-in with it is refused.
    emulator.admin.configure({ keyReplicationDelayMs: 600_000 });
    await ui.wizard.getByRole('button', { name: 'Finish' }).click();
    await ui.wizard.locator('[data-testid="rotation-step-prove"][data-state="retrying"]').waitFor();
    expect(await ui.wizard.getByTestId('rotation-step-register').getAttribute('data-state')).toBe('done');
    expect(await ui.wizard.getByTestId('rotation-step-switch').getAttribute('data-state')).toBe('pending');
    expect(await ui.wizard.getByTestId('rotation-step-prove').innerText()).toMatch(/waiting while Entra replicates the key \(sign-in refused \d+×\)/);
    await ui.screenshot('rotation-retrying');

    const failed = ui.wizard.getByTestId('rotation-failed-step');
    await failed.waitFor();
    expect(await failed.innerText()).toBe(
      'Failed at: Prove that each application signs in with it for Contoso Backup 01. Microsoft Entra answered AADSTS700027. Every new key was withdrawn; nothing changed.',
    );
    expect(await ui.wizard.getByTestId('rotation-step-prove').getAttribute('data-state')).toBe('failed');
    // The withdrawal's notice travels apart from the answer and may follow it.
    await expect.poll(() => ui.wizard.getByTestId('rotation-step-register').getAttribute('data-state')).toBe('undone');
    expect(await axeViolations(page)).toEqual([]);
    await ui.screenshot('rotation-failed');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeViolations(page)).toEqual([]);
    await ui.screenshot('rotation-failed-dark');
    emulator.admin.configure({ keyReplicationDelayMs: 0 });

    // The old certificate stays in force: in Entra, and in the table.
    await ui.wizard.getByRole('button', { name: 'Cancel' }).click();
    await ui.wizard.waitFor({ state: 'detached' });
    expect(entraThumbprints(emulator, backups[0]!.appId)).toEqual([second.thumbprint]);
    await ui.clickRow('Contoso Backup 01');
    expect(await ui.manager.getByTestId('details-thumbprint').innerText()).toBe(second.thumbprint);
    expect(await ui.row('Contoso Backup 01').innerText()).toContain(second.thumbprint.slice(0, 8));
    await ui.screenshot('old-certificate-kept');
    expect(errors).toEqual([]);
  });

  it('follows a bulk rotation per application', async () => {
    const { page, ui, errors } = await signedInPage('entra-console-bulk');
    await ui.openManagerByRightClick(tenant.domain);
    await ui.clickRow('Contoso Backup 01');
    await ui.clickRow('Contoso Backup 02', ['Control']);
    await ui.manager.getByTestId('update-selected').click();
    await ui.wizard.waitFor();
    const both = newCertificate('Contoso Test Backups (together)');
    const pfx = await pfxFile('together.pfx', both);
    await ui.wizard.getByRole('radio', { name: /Import certificate from a PFX file/ }).check();
    await ui.wizard.getByRole('button', { name: 'Next >' }).click();
    const chooser = page.waitForEvent('filechooser');
    await ui.wizard.getByRole('button', { name: 'Browse…' }).click();
    await (await chooser).setFiles(pfx.path);
    await ui.wizard.getByLabel('Password', { exact: true }).fill(pfx.password);
    await ui.wizard.getByRole('button', { name: 'Next >' }).click();
    emulator.admin.configure({ keyReplicationDelayMs: 1500 });
    await ui.wizard.getByRole('button', { name: 'Finish' }).click();
    const table = ui.wizard.getByTestId('rotation-applications');
    const cell = (appId: string, step: string) => table.getByTestId(`rotation-application-${appId}`).locator(`td[data-step="${step}"]`);
    await table
      .getByTestId(`rotation-application-${backups[0]!.appId}`)
      .locator('td[data-step="prove"]:is([data-state="running"], [data-state="retrying"])')
      .waitFor();
    expect(await cell(backups[1]!.appId, 'register').getAttribute('data-state')).toBe('pending');
    expect(await axeViolations(page)).toEqual([]);
    await ui.screenshot('bulk-rotation-running');
    await ui.wizard.waitFor({ state: 'detached' });
    emulator.admin.configure({ keyReplicationDelayMs: 0 });
    expect(entraThumbprints(emulator, backups[0]!.appId)).toEqual([both.thumbprint]);
    expect(entraThumbprints(emulator, backups[1]!.appId)).toEqual([both.thumbprint]);
    expect(errors).toEqual([]);
  });

  it('removes the organization with its applications after a confirmation naming both', async () => {
    const { page, ui, errors } = await signedInPage('entra-console-remove');
    await ui.organization(tenant.domain).click();
    await page.getByTestId('summary-remove').click();
    const dialog = page.getByTestId('remove-organization-dialog');
    expect(await dialog.getByTestId('remove-organization-question').innerText()).toBe(`Remove ${tenant.domain} and its 2 backup applications?`);
    expect(await axeViolations(page)).toEqual([]);
    await ui.screenshot('remove-organization');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeViolations(page)).toEqual([]);
    await ui.screenshot('remove-organization-dark');
    await dialog.getByTestId('remove-organization-confirm').click();
    await dialog.waitFor({ state: 'detached' });
    await ui.organization(tenant.domain).waitFor({ state: 'detached' });
    await page.getByTestId('organizations-empty').waitFor();
    // Entra itself is not changed.
    expect(entraThumbprints(emulator, backups[0]!.appId)).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});
