import { errorCodes } from '@bam/shared';
import { mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { nextTick } from 'vue';
import { errorText } from '../common/i18n/translate.js';
import type { BackupApplicationRowFragment } from '../generated/graphql.js';
import { eventually, mockApolloClient, type OperationHandler } from '../test-support/mock-apollo.js';
import SelectCertificateWizard, { type CertificateUpdated } from './SelectCertificateWizard.vue';
import { storeCertificate as certificate } from '../test-support/store-certificate.js';

const user = (id: string, displayName: string, organization: string) => ({
  __typename: 'BackupApplication',
  id,
  applicationId: `${id}-0000-4000-8000-000000000000`,
  displayName,
  organization: { __typename: 'Organization', id: `org-${organization}`, name: organization },
});

const storeList = [
  certificate('a1'),
  certificate('b2', { usable: false, keyExportable: false, unusableReason: 'CERTIFICATE_KEY_NOT_EXPORTABLE' }),
  certificate('c3', { usable: false, status: 'EXPIRED', unusableReason: 'CERTIFICATE_EXPIRED' }),
];

const application: BackupApplicationRowFragment = {
  id: 'app-1',
  applicationId: '11111111-1111-4111-8111-111111111111',
  displayName: 'Contoso Backup 01',
  addedAt: '2026-01-01T00:00:00Z',
  entraStatus: null,
  lastVerifiedAt: null,
  certificate: {
    id: 'old',
    thumbprint: 'OLD0000000000000000000000000000000000000',
    issuedTo: 'old',
    issuedBy: 'CA',
    notBefore: '2025-01-01T00:00:00Z',
    notAfter: '2026-02-01T00:00:00Z',
    status: 'EXPIRED',
  },
};

function success(variables: Record<string, unknown>) {
  const input = variables.input as { applications: { applicationId: string }[] };
  const newCertificate = certificate('new1');
  return {
    updateCertificate: {
      __typename: 'UpdateCertificatePayload',
      applications: input.applications.map((target) => ({
        __typename: 'BackupApplication',
        ...application,
        applicationId: target.applicationId,
        certificate: newCertificate,
      })),
      certificate: newCertificate,
      errors: [],
    },
  };
}

function failure(code: string) {
  return {
    updateCertificate: {
      __typename: 'UpdateCertificatePayload',
      applications: [],
      certificate: null,
      errors: [{ __typename: 'MutationError', code, message: 'server text, never shown as-is', ids: [] }],
    },
  };
}

const pfxCertificate = {
  __typename: 'PfxCertificate',
  subject: 'CN=Contoso Backup 2027, O=Contoso',
  issuer: 'CN=Contoso Issuing CA',
  issuedTo: 'Contoso Backup 2027',
  issuedBy: 'Contoso Issuing CA',
  serialNumber: '01AB',
  thumbprint: '8F64A07E4C651AE754184A24F1C6B693DDA47EF5',
  thumbprintSha256: 'CD'.repeat(32),
  notBefore: '2026-01-01T00:00:00Z',
  notAfter: '2028-01-01T00:00:00Z',
  status: 'VALID',
  keyAlgorithm: 'RSA',
  keySize: 2048,
  hasPrivateKey: true,
};

/** inspectPfx's answer: the certificate (unless the file cannot be read) and the problems. */
function inspection(problems: string[] = [], overrides: Record<string, unknown> = {}, storeCertificate: unknown = null) {
  const unreadable = problems.some((code) => code.startsWith('PFX_'));
  return {
    inspectPfx: {
      __typename: 'PfxInspectionResult',
      certificate: unreadable ? null : { ...pfxCertificate, ...overrides },
      storeCertificate,
      problems: problems.map((code) => ({ __typename: 'PfxProblem', code })),
    },
  };
}

let wrapper: VueWrapper | undefined;
afterEach(() => {
  wrapper?.unmount();
  wrapper = undefined;
});

/** The manager's list as the server answers it, its one application with `certificate`. */
function applicationsAnswer(certificate: unknown = application.certificate) {
  return {
    organization: {
      __typename: 'Organization',
      id: 'org-1',
      name: 'contoso.onmicrosoft.com',
      entraConnected: false,
      backupApplications: [
        { __typename: 'BackupApplication', ...application, certificate: { __typename: 'Certificate', ...(certificate as object) } },
      ],
    },
  };
}

function mountWizard(
  updateCertificate: OperationHandler,
  pfxMaxBytes = 1024 * 1024,
  inspectPfx: OperationHandler = () => inspection(),
  organizationApplications: OperationHandler = () => applicationsAnswer(),
) {
  const apollo = mockApolloClient({
    CertificateStore: () => ({ certificateStore: storeList }),
    ServerLimits: () => ({ limits: { __typename: 'ServerLimits', pfxMaxBytes } }),
    UpdateCertificate: updateCertificate,
    InspectPfx: inspectPfx,
    OrganizationApplications: organizationApplications,
  });
  wrapper = mount(SelectCertificateWizard, {
    props: { organizationId: 'org-1', organizationName: 'contoso.onmicrosoft.com', applications: [application], entraConnected: false },
    global: { provide: apollo.provide },
    attachTo: document.body,
  });
  return { apollo, wrapper };
}

const $ = <T extends Element = HTMLElement>(testId: string) => document.body.querySelector<T & HTMLElement>(`[data-testid="${testId}"]`);
const $$ = (testId: string) => [...document.body.querySelectorAll<HTMLElement>(`[data-testid="${testId}"]`)];

async function click(testId: string) {
  const element = $(testId);
  if (!element) throw new Error(`no ${testId}`);
  element.click();
  await nextTick();
}

async function chooseSource(source: 'store' | 'pfx') {
  const radio = $<HTMLInputElement>(`source-${source}`)!;
  radio.checked = true;
  radio.dispatchEvent(new Event('change'));
  await nextTick();
  await click('wizard-next');
}

async function chooseFile(file: File) {
  const input = $<HTMLInputElement>('pfx-input')!;
  Object.defineProperty(input, 'files', { value: [file], configurable: true });
  input.dispatchEvent(new Event('change'));
  await nextTick();
}

async function typePassword(value: string) {
  const input = $<HTMLInputElement>('pfx-password')!;
  input.value = value;
  input.dispatchEvent(new Event('input'));
  await nextTick();
}

/** Store → the first certificate → summary → Finish. */
async function finishWithStoreCertificate() {
  await chooseSource('store');
  await eventually(() => expect($$('store-row').length).toBe(3));
  $$('store-row')[0]!.click();
  await nextTick();
  await click('wizard-next');
  await click('wizard-finish');
}

/** Waits for the server's check of the file to let Next through. */
async function whenChecked() {
  await eventually(() => expect(($('wizard-next') as HTMLButtonElement).disabled).toBe(false));
}

const inspected = (apollo: ReturnType<typeof mountWizard>['apollo']) =>
  apollo.operations.filter((operation) => operation.operationName === 'InspectPfx');
const inspectedPassword = (operation: { variables: Record<string, unknown> }) => (operation.variables.input as { password: string | null }).password;

const pfxFile = () => new File([new Uint8Array([0x30, 0x82, 0x01, 0x02, 5, 6, 7, 8])], 'backup.pfx', { type: 'application/x-pkcs12' });

describe('SelectCertificateWizard', () => {
  it('is a labelled modal dialog offering the two sources of the reference workflow', async () => {
    mountWizard(success);
    const dialog = $('wizard-dialog')!;
    expect(dialog.tagName).toBe('DIALOG');
    const title = document.getElementById(dialog.getAttribute('aria-labelledby')!);
    expect(title?.textContent).toBe('Select Certificate');
    expect($('source-step')!.textContent).toContain('Select certificate from the Certificate Store of this server');
    expect($('source-step')!.textContent).toContain('Import certificate from a PFX file');
    expect(($('wizard-back') as HTMLButtonElement).disabled).toBe(true);
  });

  it('updates from the store: lists certificates, disables unusable ones with the reason, then Finish sends the choice', async () => {
    const { apollo, wrapper } = mountWizard(success);
    await chooseSource('store');
    await eventually(() => expect($$('store-row')).toHaveLength(3));

    const radios = $$('store-row').map((row) => row.querySelector('input[type="radio"]') as HTMLInputElement);
    expect(radios.map((radio) => radio.disabled)).toEqual([false, true, true]);
    expect($$('unusable-reason').map((reason) => reason.textContent)).toEqual([
      errorText('CERTIFICATE_KEY_NOT_EXPORTABLE'),
      errorText('CERTIFICATE_EXPIRED'),
    ]);
    expect(($('wizard-next') as HTMLButtonElement).disabled).toBe(true);

    $$('store-row')[1]!.click(); // disabled: nothing happens
    await nextTick();
    expect(($('wizard-next') as HTMLButtonElement).disabled).toBe(true);
    $$('store-row')[0]!.click();
    await nextTick();
    await click('wizard-next');
    expect($('summary-certificate')!.textContent).toContain('Cert a1');

    await click('wizard-finish');
    await eventually(() => expect(wrapper.emitted('updated')).toHaveLength(1));
    const update = apollo.operations.find((operation) => operation.operationName === 'UpdateCertificate');
    expect(update?.variables).toEqual({
      input: {
        organizationId: 'org-1',
        applications: [{ applicationId: application.applicationId, expectedThumbprint: application.certificate!.thumbprint }],
        storeCertificateId: 'a1',
      },
    });
    const [result] = wrapper.emitted('updated')![0] as [{ certificate: { thumbprint: string }; unchanged: string[] }];
    expect(result.certificate.thumbprint).toBe(certificate('new1').thumbprint);
    expect(result.unchanged).toEqual([]);
  });

  it('tells which applications already used the chosen certificate, so nothing is reported as changed for them', async () => {
    // The application's current certificate is the store's a1: the update leaves it as it was.
    const { wrapper } = mountWizard((variables) => {
      const answer = success(variables);
      const same = certificate('a1');
      answer.updateCertificate.certificate = same;
      for (const row of answer.updateCertificate.applications) row.certificate = same;
      return answer;
    });
    await wrapper.setProps({
      applications: [{ ...application, certificate: { ...application.certificate!, thumbprint: certificate('a1').thumbprint } }],
    });
    await chooseSource('store');
    await eventually(() => expect($$('store-row')).toHaveLength(3));
    $$('store-row')[0]!.click();
    await nextTick();
    await click('wizard-next');
    await click('wizard-finish');
    await eventually(() => expect(wrapper.emitted('updated')).toHaveLength(1));
    const [result] = wrapper.emitted('updated')![0] as [{ unchanged: string[] }];
    expect(result.unchanged).toEqual([application.applicationId]);
  });

  it('names the applications that use each store certificate: these, others of the organization and of other organizations', async () => {
    const used = certificate('a1', {
      thumbprint: application.certificate!.thumbprint,
      usedBy: [
        { ...user('app-1', 'Contoso Backup 01', 'contoso.onmicrosoft.com'), id: application.id, applicationId: application.applicationId },
        user('app-2', 'Contoso Backup 02', 'contoso.onmicrosoft.com'),
        user('app-9', 'Fabrikam Exchange Backup', 'fabrikam.onmicrosoft.com'),
      ],
    });
    const apollo = mockApolloClient({ CertificateStore: () => ({ certificateStore: [used, certificate('b2')] }) });
    wrapper = mount(SelectCertificateWizard, {
      props: {
        organizationId: 'org-contoso.onmicrosoft.com',
        organizationName: 'contoso.onmicrosoft.com',
        applications: [application],
        entraConnected: false,
      },
      global: { provide: apollo.provide },
      attachTo: document.body,
    });
    await chooseSource('store');
    await eventually(() => expect($$('store-row')).toHaveLength(2));
    const [first, second] = $$('store-row');
    expect(first!.querySelector('[data-testid="store-used-by-these"]')?.textContent).toBe('Now used by Contoso Backup 01');
    expect(first!.querySelector('[data-testid="store-used-by-others"]')?.textContent?.replace(/\s+/g, ' ').trim()).toBe(
      'Also used by 2 other applications: Contoso Backup 02 and Fabrikam Exchange Backup (fabrikam.onmicrosoft.com)',
    );
    expect(first!.textContent).not.toContain('this application');
    expect(second!.querySelector('[data-testid="store-used-by-these"]')).toBeNull();
    expect(second!.querySelector('[data-testid="store-used-by-others"]')).toBeNull();
  });

  it('searches the store on the server as the user types', async () => {
    const { apollo } = mountWizard(success);
    await chooseSource('store');
    const search = $<HTMLInputElement>('store-search')!;
    search.value = 'ABC1';
    search.dispatchEvent(new Event('input'));
    await eventually(() =>
      expect(apollo.operations.some((operation) => (operation.variables.filter as { search?: string } | undefined)?.search === 'ABC1')).toBe(true),
    );
  });

  it('checks the PFX file when chosen and shows its certificate, then the summary names it and Finish applies it', async () => {
    const files: unknown[] = [];
    const { apollo, wrapper } = mountWizard(
      (variables) => {
        files.push((variables.input as { pfx: { file: File } }).pfx.file);
        return success(variables);
      },
      undefined,
      () =>
        inspection(
          [],
          {},
          {
            __typename: 'Certificate',
            id: 'stored',
            usedBy: [user('u9', 'Fabrikam Exchange Backup', 'fabrikam.onmicrosoft.com')],
          },
        ),
    );
    await chooseSource('pfx');
    expect(($('wizard-next') as HTMLButtonElement).disabled).toBe(true);
    const file = pfxFile();
    await chooseFile(file);
    expect($('pfx-checking')).not.toBeNull();
    expect(($('wizard-next') as HTMLButtonElement).disabled).toBe(true);
    await whenChecked();
    expect(inspected(apollo).map((operation) => (operation.variables.input as { file: File }).file)).toEqual([file]);
    const shown = $('pfx-certificate')!.textContent!;
    for (const text of [
      'CN=Contoso Backup 2027, O=Contoso',
      'CN=Contoso Issuing CA',
      pfxCertificate.thumbprint,
      'CD'.repeat(32),
      '01AB',
      'RSA 2048 bits',
    ])
      expect(shown).toContain(text);
    expect($('pfx-in-store')!.textContent).toContain('already in the certificate store');
    expect(shown).toContain('Fabrikam Exchange Backup (fabrikam.onmicrosoft.com)');
    expect($('wizard-error')).toBeNull();

    await click('wizard-next');
    await eventually(() => expect($('summary-step')).not.toBeNull());
    const summary = $('summary-certificate')!.textContent!;
    expect(summary).toContain('CN=Contoso Backup 2027, O=Contoso, issued by Contoso Issuing CA, from backup.pfx');
    expect(summary).toContain(`Thumbprint ${pfxCertificate.thumbprint}`);
    expect(summary).toMatch(/valid from .*2026.* to .*2028/);
    expect(summary).toContain('RSA 2048 bits');
    // As the PFX step said: the store has it already, so the file adds nothing to it.
    expect(summary).toContain('This certificate is already in the certificate store of this server.');
    expect(summary).not.toContain('also added');
    await click('wizard-finish');
    await eventually(() => expect(wrapper.emitted('updated')).toHaveLength(1));
    expect(files).toEqual([file]);
  });

  it("says in the summary that the file's certificate joins the store when the store does not have it", async () => {
    mountWizard(success);
    await chooseSource('pfx');
    await chooseFile(pfxFile());
    await whenChecked();
    expect($('pfx-in-store')).toBeNull();
    await click('wizard-next');
    await eventually(() => expect($('summary-step')).not.toBeNull());
    expect($('summary-certificate')!.textContent).toContain('The certificate is also added to the certificate store of this server.');
  });

  it('shows a wrong password on the PFX step before Finish, marks the field, and holds Next until the right one', async () => {
    const passwords: unknown[] = [];
    const { apollo, wrapper } = mountWizard(
      (variables) => {
        passwords.push((variables.input as { pfx: { password: string | null } }).pfx.password);
        return success(variables);
      },
      undefined,
      (variables) => inspection(inspectedPassword({ variables }) === 'right' ? [] : ['PFX_WRONG_PASSWORD']),
    );
    await chooseSource('pfx');
    await chooseFile(pfxFile());
    await typePassword('wrong');
    await eventually(() => expect($('wizard-error')?.textContent).toBe(errorText('PFX_WRONG_PASSWORD')));
    expect($('pfx-password')!.getAttribute('aria-invalid')).toBe('true');
    expect($('pfx-certificate')).toBeNull();
    expect(($('wizard-next') as HTMLButtonElement).disabled).toBe(true);
    expect($('pfx-file-name')!.textContent).toContain('backup.pfx');

    await typePassword('right');
    await whenChecked();
    expect($('wizard-error')).toBeNull();
    expect($('pfx-password')!.getAttribute('aria-invalid')).toBeNull();
    expect($('pfx-certificate')).not.toBeNull();
    await click('wizard-next');
    await eventually(() => expect($('summary-step')).not.toBeNull());
    await click('wizard-finish');
    await eventually(() => expect(wrapper.emitted('updated')).toHaveLength(1));
    // Finish only applies: the wrong password never reached updateCertificate.
    expect(passwords).toEqual(['right']);
    expect(inspected(apollo).map(inspectedPassword)).toEqual([null, 'wrong', 'right']);
  });

  it('names every problem of the certificate beside the file, marks it invalid and holds Next', async () => {
    mountWizard(success, undefined, () => inspection(['CERTIFICATE_KEY_TOO_SMALL', 'CERTIFICATE_EXPIRED'], { keySize: 1024, status: 'EXPIRED' }));
    await chooseSource('pfx');
    await chooseFile(pfxFile());
    await eventually(() => expect($('wizard-error')?.textContent).toContain(errorText('CERTIFICATE_EXPIRED')));
    expect($('wizard-error')!.textContent).toContain(errorText('CERTIFICATE_KEY_TOO_SMALL'));
    expect($('pfx-drop-zone')!.classList).toContain('drop-zone--invalid');
    // The details still show, so the administrator sees which certificate it is.
    expect($('pfx-certificate')!.textContent).toContain('RSA 1024 bits');
    expect(($('wizard-next') as HTMLButtonElement).disabled).toBe(true);
  });

  it('checks once the typing pauses, and aborts a check when a newer one starts', async () => {
    const { apollo } = mountWizard(success);
    await chooseSource('pfx');
    await chooseFile(pfxFile());
    const [first] = inspected(apollo);
    expect(first).toBeDefined();
    await typePassword('a');
    await typePassword('ab');
    await typePassword('abc');
    expect(first!.signal?.aborted).toBe(true);
    await whenChecked();
    expect(inspected(apollo).map(inspectedPassword)).toEqual([null, 'abc']);
  });

  it('goes on when the server could not check the file (Finish checks it again), and can check again', async () => {
    let calls = 0;
    const { wrapper } = mountWizard(success, undefined, () => {
      calls++;
      if (calls === 1) throw new TypeError('Failed to fetch');
      return inspection();
    });
    await chooseSource('pfx');
    await chooseFile(pfxFile());
    await eventually(() => expect($('pfx-unchecked')?.textContent).toContain(errorText('NETWORK')));
    expect(($('wizard-next') as HTMLButtonElement).disabled).toBe(false);
    await click('pfx-recheck');
    await eventually(() => expect($('pfx-certificate')).not.toBeNull());
    await click('wizard-next');
    await eventually(() => expect($('summary-step')).not.toBeNull());
    await click('wizard-finish');
    await eventually(() => expect(wrapper.emitted('updated')).toHaveLength(1));
  });

  it('goes on from the password field with Enter once the file is checked', async () => {
    const { apollo } = mountWizard(success);
    await chooseSource('pfx');
    await chooseFile(pfxFile());
    await typePassword('typed');
    $('pfx-password')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    await eventually(() => expect($('summary-step')).not.toBeNull());
    expect(inspected(apollo).map(inspectedPassword).at(-1)).toBe('typed');
  });

  it('shows and hides the password', async () => {
    mountWizard(success);
    await chooseSource('pfx');
    const input = $<HTMLInputElement>('pfx-password')!;
    expect(input.type).toBe('password');
    const toggle = $('pfx-password-toggle')!;
    // A real toggle button: it looks like a button, keeps its name and says whether it is on.
    expect(toggle.classList).toContain('toggle-button');
    expect(toggle.classList).not.toContain('button--quiet');
    expect(toggle.getAttribute('aria-pressed')).toBe('false');
    await click('pfx-password-toggle');
    expect(input.type).toBe('text');
    expect(toggle.getAttribute('aria-pressed')).toBe('true');
    expect(toggle.textContent?.trim()).toBe('Show password');
    await click('pfx-password-toggle');
    expect(input.type).toBe('password');
    expect(toggle.getAttribute('aria-pressed')).toBe('false');
  });

  it("refuses a file over the server's limit before uploading anything", async () => {
    const { apollo } = mountWizard(success, 4);
    await chooseSource('pfx');
    await eventually(() => expect(apollo.operations.some((operation) => operation.operationName === 'ServerLimits')).toBe(true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await chooseFile(pfxFile());
    await eventually(() => expect($('wizard-error')?.textContent).toContain('this server accepts PFX files up to 4 bytes'));
    expect(($('wizard-next') as HTMLButtonElement).disabled).toBe(true);
    expect(inspected(apollo)).toEqual([]);
  });

  it.each(errorCodes.map((code) => [code]))('shows %s from Finish as its message inside the wizard', async (code) => {
    const source = code.startsWith('PFX_') || code === 'UPLOAD_INVALID' ? 'pfx' : 'store';
    const { wrapper } = mountWizard(() => failure(code));
    await chooseSource(source);
    if (source === 'pfx') {
      await chooseFile(pfxFile());
      await whenChecked();
    } else {
      await eventually(() => expect($$('store-row').length).toBeGreaterThan(0));
      $$('store-row')[0]!.click();
      await nextTick();
    }
    await click('wizard-next');
    await eventually(() => expect($('summary-step')).not.toBeNull());
    await click('wizard-finish');
    await eventually(() => expect($('wizard-error')?.textContent).toContain(errorText(code)));
    expect($('wizard-error')!.textContent).not.toContain('server text');
    expect(wrapper.emitted('updated')).toBeUndefined();
    expect($('wizard-dialog')).not.toBeNull();
  });

  it('says when the server cannot be reached, and Finish can be tried again', async () => {
    let calls = 0;
    const { wrapper } = mountWizard((variables) => {
      calls++;
      // Never reached the server: the list, asked again, still shows the previous certificate.
      if (calls === 1) throw new TypeError('Failed to fetch');
      return success(variables);
    });
    await finishWithStoreCertificate();
    await eventually(() => expect($('wizard-answer-lost')?.textContent).toContain('still has its previous certificate'));
    expect($('wizard-error')).toBeNull();
    await click('wizard-finish');
    await eventually(() => expect(wrapper.emitted('updated')).toHaveLength(1));
    expect($('wizard-answer-lost')).toBeNull();
  });

  it('reports the update done when its answer was lost but the list, asked again, shows the chosen certificate', async () => {
    const { wrapper } = mountWizard(
      () => {
        throw new TypeError('Failed to fetch');
      },
      undefined,
      undefined,
      () => applicationsAnswer(storeList[0]),
    );
    await finishWithStoreCertificate();
    await eventually(() => expect(wrapper.emitted('updated')).toHaveLength(1));
    const [result] = wrapper.emitted('updated')![0] as [CertificateUpdated];
    expect(result.certificate?.thumbprint).toBe(storeList[0]!.thumbprint);
    expect(result.applications.map((row) => row.applicationId)).toEqual([application.applicationId]);
    expect(result.unchanged).toEqual([]);
    expect($('wizard-error')).toBeNull();
  });

  it('says it cannot tell whether the certificate changed when the list cannot be asked again either', async () => {
    mountWizard(
      () => {
        throw new TypeError('Failed to fetch');
      },
      undefined,
      undefined,
      () => {
        throw new TypeError('Failed to fetch');
      },
    );
    await finishWithStoreCertificate();
    await eventually(() => expect($('wizard-answer-lost')?.textContent).toContain('cannot tell whether the certificate was changed'));
    expect($('wizard-answer-lost')?.textContent).not.toContain('not changed');
    expect($('wizard-error')).toBeNull();
  });

  it('reports the update done once the list shows the chosen certificate, when it was still running after its answer was lost', async () => {
    const { wrapper } = mountWizard(() => {
      throw new TypeError('Failed to fetch');
    });
    await finishWithStoreCertificate();
    await eventually(() => expect($('wizard-answer-lost')?.textContent).toContain('still has its previous certificate'));
    // A live event: the manager's list now shows the new certificate.
    await wrapper.setProps({
      applications: [{ ...application, certificate: { ...application.certificate!, ...storeList[0], __typename: 'Certificate' } }],
    });
    await eventually(() => expect(wrapper.emitted('updated')).toHaveLength(1));
  });

  it('stays open when the file picker is cancelled (Chromium fires a bubbling cancel from the file input)', async () => {
    const { wrapper } = mountWizard(success);
    await chooseSource('pfx');
    await typePassword('typed before browsing');
    $('pfx-input')!.dispatchEvent(new Event('cancel', { bubbles: true, cancelable: true }));
    await nextTick();
    expect(wrapper.emitted('close')).toBeUndefined();
    expect($('pfx-step')).not.toBeNull();
    expect($<HTMLInputElement>('pfx-password')!.value).toBe('typed before browsing');
    // The dialog's own cancel (the browser's close request) still closes it.
    $('wizard-dialog')!.dispatchEvent(new Event('cancel', { cancelable: true }));
    expect(wrapper.emitted('close')).toHaveLength(1);
  });

  it('closes with Escape, but not while Finish is running', async () => {
    const { wrapper } = mountWizard(success);
    $('wizard-dialog')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    expect(wrapper.emitted('close')).toHaveLength(1);
  });
});

describe('SelectCertificateWizard drag and drop', () => {
  it('takes a PFX file dropped on the drop zone, and refuses several at once', async () => {
    mountWizard(success);
    await chooseSource('pfx');
    const zone = $('pfx-drop-zone')!;
    const drop = (files: File[]) => {
      const event = new Event('drop', { bubbles: true, cancelable: true });
      Object.defineProperty(event, 'dataTransfer', { value: { files } });
      zone.dispatchEvent(event);
      return nextTick();
    };
    await drop([pfxFile(), pfxFile()]);
    expect($('wizard-error')!.textContent).toBe('Drop one file only.');
    await drop([pfxFile()]);
    expect($('pfx-file-name')!.textContent).toContain('backup.pfx');
    await whenChecked();
  });
});
