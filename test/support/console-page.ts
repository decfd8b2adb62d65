import type { Locator, Page } from 'playwright-core';
import { screenshotPath } from './browser.js';

/**
 * What a user sees and does in the web console, in the words of the console — so browser tests read
 * as the reference workflow. Locators use roles and visible names first, test ids for the rest.
 */
export class ConsolePage {
  private step = 0;

  constructor(
    readonly page: Page,
    private readonly screenshotPrefix: string,
  ) {}

  /** Saves a screenshot of the current step as a test artifact. */
  async screenshot(name: string): Promise<void> {
    this.step += 1;
    await this.page.screenshot({ path: await screenshotPath(`${this.screenshotPrefix}-${String(this.step).padStart(2, '0')}-${name}`) });
  }

  /** Fills the sign-in page and waits until the console (or the password change) replaces it. */
  async signIn(username: string, password: string): Promise<void> {
    await this.page.getByLabel('Username').fill(username);
    await this.page.getByLabel('Password', { exact: true }).fill(password);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
    await this.page.getByTestId('signed-in-user').waitFor();
  }

  async signOut(): Promise<void> {
    await this.page.getByRole('button', { name: 'Sign out' }).click();
    await this.page.getByTestId('sign-in-page').waitFor();
  }

  organization(name: string): Locator {
    return this.page.getByRole('treeitem', { name: new RegExp(name.replaceAll('.', '\\.')) });
  }

  get menu(): Locator {
    return this.page.getByRole('menu');
  }

  get manager(): Locator {
    return this.page.getByTestId('manager-dialog');
  }

  get wizard(): Locator {
    return this.page.getByTestId('wizard-dialog');
  }

  get table(): Locator {
    return this.page.getByRole('grid');
  }

  row(displayName: string): Locator {
    return this.page.getByTestId('application-row').filter({ has: this.page.getByRole('gridcell', { name: displayName, exact: true }) });
  }

  /** Clicks a row where a user would to select it: on its name (the Certificate link opens the wizard). */
  async clickRow(displayName: string, modifiers: ('Control' | 'Meta' | 'Shift')[] = []): Promise<void> {
    await this.row(displayName).getByRole('gridcell', { name: displayName, exact: true }).click({ modifiers });
  }

  /** Right-click the organization, then "Manage backup applications". */
  async openManagerByRightClick(name: string): Promise<void> {
    await this.organization(name).click({ button: 'right' });
    await this.menu.getByRole('menuitem', { name: 'Manage backup applications' }).click();
    await this.manager.waitFor();
    await this.page.getByTestId('application-row').first().waitFor();
  }

  async closeManager(): Promise<void> {
    await this.manager.getByRole('button', { name: 'Close' }).last().click();
    await this.manager.waitFor({ state: 'detached' });
  }
}
