import { operationErrorMessages } from '@bam/shared';
import { mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { ref } from 'vue';
import { currentActorKey } from '../auth/current-actor.js';
import { eventually, mockApolloClient } from '../test-support/mock-apollo.js';
import type { ApplicationState } from './application-list-view.js';
import BackupApplicationsManager from './BackupApplicationsManager.vue';

const certificate = (id: string, status: string, notAfter: string) => ({
  __typename: 'Certificate',
  id,
  thumbprint: `${id.toUpperCase().padEnd(40, '0')}`.slice(0, 40),
  issuedTo: id,
  issuedBy: 'CA',
  notBefore: '2025-01-01T00:00:00Z',
  notAfter,
  status,
});

const application = (index: number, displayName: string, cert: ReturnType<typeof certificate> | null) => ({
  __typename: 'BackupApplication',
  id: `row-${index}`,
  applicationId: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
  displayName,
  addedAt: '2026-01-01T00:00:00Z',
  entraStatus: null,
  lastVerifiedAt: null,
  certificate: cert,
});

/** The demo's Contoso: one application in each state. */
const applications = [
  application(1, 'Contoso Backup 01', certificate('a1', 'VALID', '2027-10-01T00:00:00Z')),
  application(2, 'Contoso Backup 02', certificate('b2', 'EXPIRING_SOON', '2026-12-09T00:00:00Z')),
  application(3, 'Contoso Backup 03', certificate('c3', 'EXPIRED', '2026-11-07T00:00:00Z')),
  application(4, 'Contoso Backup 04', null),
];

let wrapper: VueWrapper | undefined;
afterEach(() => {
  wrapper?.unmount();
  wrapper = undefined;
});

function mountManager(
  initialState: ApplicationState | null = null,
  {
    entraConnected = false,
    role,
    rows = () => applications,
    removeApplications,
    handlers = {},
  }: {
    entraConnected?: boolean;
    role?: 'VIEWER' | 'OPERATOR' | 'ADMINISTRATOR';
    rows?: () => typeof applications;
    removeApplications?: () => unknown;
    handlers?: Parameters<typeof mockApolloClient>[0];
  } = {},
) {
  const apollo = mockApolloClient({
    ...(removeApplications ? { RemoveApplications: removeApplications } : {}),
    ...handlers,
    OrganizationApplications: (variables) => ({
      organization: {
        __typename: 'Organization',
        id: variables.organizationId,
        name: 'contoso.onmicrosoft.com',
        entraConnected,
        backupApplications: rows(),
      },
    }),
  });
  wrapper = mount(BackupApplicationsManager, {
    props: { organizationId: 'org-1', organizationName: 'contoso.onmicrosoft.com', initialState },
    global: { provide: { ...apollo.provide, ...(role ? { [currentActorKey as symbol]: ref({ role }) } : {}) } },
    attachTo: document.body,
  });
  return wrapper;
}

const shownNames = () => [...document.body.querySelectorAll('[data-testid="application-row"] .grid__name')].map((cell) => cell.textContent);
const get = <T extends Element = HTMLElement>(selector: string) => document.body.querySelector<T>(selector)!;

describe('BackupApplicationsManager filters', () => {
  it('opens filtered to the state it was asked for, says so, and clears back to every application', async () => {
    mountManager('expired');
    await eventually(() => expect(shownNames()).toEqual(['Contoso Backup 03']));
    expect(get<HTMLSelectElement>('[data-testid="state-filter"]').value).toBe('expired');
    expect(get<HTMLSelectElement>('[data-testid="state-filter"]').selectedOptions[0]?.textContent).toBe('Expired');
    expect(get('[data-testid="selection-count"]').textContent).toBe('1 of 4 shown');
    get('[data-testid="clear-filter"]').click();
    await eventually(() => expect(shownNames()).toHaveLength(4));
    expect(get('[data-testid="selection-count"]').textContent).toBe('4 applications');
    expect(document.body.querySelector('[data-testid="clear-filter"]')).toBeNull();
  });

  it.each([
    ['configured', ['Contoso Backup 01', 'Contoso Backup 02', 'Contoso Backup 03']],
    ['notConfigured', ['Contoso Backup 04']],
    ['expiring', ['Contoso Backup 02']],
    ['expired', ['Contoso Backup 03']],
  ] as const)('shows only the %s applications when that state is chosen', async (state, expected) => {
    mountManager();
    await eventually(() => expect(shownNames()).toHaveLength(4));
    const select = get<HTMLSelectElement>('[data-testid="state-filter"]');
    select.value = state;
    select.dispatchEvent(new Event('change'));
    await eventually(() => expect(shownNames()).toEqual(expected));
  });

  it('filters by name once typing pauses, and says when nothing matches', async () => {
    mountManager();
    await eventually(() => expect(shownNames()).toHaveLength(4));
    const name = get<HTMLInputElement>('[data-testid="name-filter"]');
    name.value = 'backup 04';
    name.dispatchEvent(new Event('input'));
    await eventually(() => expect(shownNames()).toEqual(['Contoso Backup 04']));
    expect(get('[data-testid="application-details"]').textContent).toContain('Contoso Backup 04');

    name.value = 'fabrikam';
    name.dispatchEvent(new Event('input'));
    await eventually(() => expect(get('[data-testid="applications-no-match"]')?.textContent).toContain('No application matches the filter.'));
    expect(get('[data-testid="applications-table"]').closest<HTMLElement>('[data-testid="applications-viewport"]')?.style.display).toBe('none');
    expect(document.body.querySelector('[data-testid="application-details"]')).toBeNull();
    get<HTMLButtonElement>('[data-testid="applications-no-match"] button').click();
    await eventually(() => expect(shownNames()).toHaveLength(4));
    expect(name.value).toBe('');
  });

  it('sorts from a column header', async () => {
    mountManager();
    await eventually(() => expect(shownNames()).toHaveLength(4));
    get('[data-testid="sort-expires"]').click();
    await eventually(() => expect(shownNames()).toEqual(['Contoso Backup 03', 'Contoso Backup 02', 'Contoso Backup 01', 'Contoso Backup 04']));
    get('[data-testid="sort-displayName"]').click();
    get('[data-testid="sort-displayName"]').click();
    await eventually(() => expect(shownNames()).toEqual(['Contoso Backup 04', 'Contoso Backup 03', 'Contoso Backup 02', 'Contoso Backup 01']));
  });
});

describe('BackupApplicationsManager certificate history', () => {
  it('asks for the history again after the wizard updated that application', async () => {
    let version = 1;
    const apollo = mockApolloClient({
      OrganizationApplications: (variables) => ({
        organization: {
          __typename: 'Organization',
          id: variables.organizationId,
          name: 'contoso.onmicrosoft.com',
          entraConnected: false,
          backupApplications: applications,
        },
      }),
      ApplicationCertificateHistory: (variables) => ({
        backupApplication: {
          __typename: 'BackupApplication',
          id: variables.id,
          certificateHistory: Array.from({ length: version }, (_, index) => ({
            __typename: 'CertificateChange',
            id: `change-${index}`,
            changedAt: '2026-11-27T10:00:00Z',
            changedBy: 'user:operator',
            source: 'STORE',
            thumbprint: String(index).repeat(40),
            previousThumbprint: null,
            notAfter: '2027-11-27T00:00:00Z',
          })),
        },
      }),
    });
    wrapper = mount(BackupApplicationsManager, {
      props: { organizationId: 'org-1', organizationName: 'contoso.onmicrosoft.com' },
      global: { provide: { ...apollo.provide, [currentActorKey as symbol]: ref({ role: 'OPERATOR' }) } },
      attachTo: document.body,
    });
    await eventually(() => expect(shownNames()).toHaveLength(4));
    await eventually(() => expect(get('[data-testid="toggle-certificate-history"]')).not.toBeNull());
    get('[data-testid="toggle-certificate-history"]').click();
    await eventually(() => expect(document.body.querySelectorAll('[data-testid="history-change"]')).toHaveLength(1));

    version = 2;
    get('[data-testid="certificate-link"]').click();
    await eventually(() => expect(wrapper!.findComponent({ name: 'SelectCertificateWizard' }).exists()).toBe(true));
    wrapper
      .findComponent({ name: 'SelectCertificateWizard' })
      .vm.$emit('updated', { applications: [applications[0]], certificate: null, unchanged: [], hadNone: [] });
    await eventually(() => expect(document.body.querySelectorAll('[data-testid="history-change"]')).toHaveLength(2));
  });
});

describe('BackupApplicationsManager name filter', () => {
  it('empties on Escape without closing the window; Escape in the empty filter closes it', async () => {
    const manager = mountManager();
    await eventually(() => expect(shownNames()).toHaveLength(4));
    const name = get<HTMLInputElement>('[data-testid="name-filter"]');
    name.value = 'backup 04';
    name.dispatchEvent(new Event('input'));
    await eventually(() => expect(shownNames()).toEqual(['Contoso Backup 04']));
    name.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await eventually(() => expect(shownNames()).toHaveLength(4));
    expect(name.value).toBe('');
    expect(manager.emitted('close')).toBeUndefined();
    name.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    expect(manager.emitted('close')).toHaveLength(1);
  });
});

describe('BackupApplicationsManager by role', () => {
  const toolbarButtons = () =>
    [...document.body.querySelectorAll('[data-testid="manager-dialog"] [role="toolbar"] button')].map((button) => button.getAttribute('data-testid'));

  it('hides Add… and Verify from a Viewer, as it hides Update certificate and Remove (the server refuses all four)', async () => {
    mountManager(null, { entraConnected: true, role: 'VIEWER' });
    await eventually(() => expect(shownNames()).toHaveLength(4));
    expect(toolbarButtons()).toEqual(['refresh-applications']);
  });

  it.each(['OPERATOR', 'ADMINISTRATOR'] as const)('shows Add… and Verify to an %s of an organization connected to Entra', async (role) => {
    mountManager(null, { entraConnected: true, role });
    await eventually(() => expect(shownNames()).toHaveLength(4));
    expect(toolbarButtons()).toEqual(['update-selected', 'remove-selected', 'add-applications', 'verify-applications', 'refresh-applications']);
  });
});

describe('BackupApplicationsManager Verify', () => {
  it('asks for every application by leaving the list out, never with an empty one, and for the selected ones otherwise', async () => {
    const sent: unknown[] = [];
    mountManager(null, {
      entraConnected: true,
      role: 'OPERATOR',
      handlers: {
        VerifyApplications: ({ input }) => {
          sent.push(input);
          return { verifyApplications: { __typename: 'EntraApplicationsPayload', applications, errors: [] } };
        },
      },
    });
    await eventually(() => expect(shownNames()).toHaveLength(4));
    get('[data-testid="verify-applications"]').click();
    await eventually(() => expect(sent).toEqual([{ organizationId: 'org-1', applicationIds: null }]));
    await eventually(() => expect(get('[data-testid="manager-status"]').textContent).toContain('Verified 4 applications'));

    get('[data-testid="application-row"] .grid__name').click();
    get('[data-testid="verify-applications"]').click();
    await eventually(() => expect(sent).toHaveLength(2));
    expect(sent[1]).toEqual({ organizationId: 'org-1', applicationIds: [applications[0]!.applicationId] });
  });
});

describe('BackupApplicationsManager after the wizard', () => {
  /** Opens the wizard from an application's certificate link (connected organization) and has it report `result`. */
  async function wizardReports(result: Record<string, unknown>) {
    const manager = mountManager(null, { entraConnected: true, role: 'OPERATOR' });
    await eventually(() => expect(shownNames()).toHaveLength(4));
    get('[data-testid="certificate-link"]').click();
    await eventually(() => expect(manager.findComponent({ name: 'SelectCertificateWizard' }).exists()).toBe(true));
    manager.findComponent({ name: 'SelectCertificateWizard' }).vm.$emit('updated', result);
  }

  it('says nothing changed for applications that already used the chosen certificate', async () => {
    const [first] = applications;
    await wizardReports({ applications: [first], certificate: first!.certificate, unchanged: [first!.applicationId], hadNone: [] });
    await eventually(() =>
      expect(get('[data-testid="manager-status"]').textContent).toBe(
        `Contoso Backup 01 already used certificate ${first!.certificate!.thumbprint}: nothing changed.`,
      ),
    );
  });

  it('reports the change in Entra for the applications that changed, and nothing changed for the others', async () => {
    const [first, second] = applications;
    await wizardReports({ applications: [first, second], certificate: first!.certificate, unchanged: [first!.applicationId], hadNone: [] });
    await eventually(() => expect(get('[data-testid="manager-status"]').textContent).toContain('Certificate of Contoso Backup 02 updated'));
    const status = get('[data-testid="manager-status"]').textContent!;
    expect(status).toContain('Entra now holds the new certificate; the old key is withdrawn.');
    expect(status).toContain('Contoso Backup 01 already used certificate');
    expect(status).not.toContain('Contoso Backup 01 updated');
  });

  it('names no old key withdrawn when the applications changed had no certificate before', async () => {
    const [first, second] = applications;
    await wizardReports({ applications: [second], certificate: first!.certificate, unchanged: [], hadNone: [second!.applicationId] });
    await eventually(() => expect(get('[data-testid="manager-status"]').textContent).toContain('Certificate of Contoso Backup 02 updated'));
    const status = get('[data-testid="manager-status"]').textContent!;
    expect(status).toContain('Entra now holds the new certificate.');
    expect(status).not.toContain('old key');
  });
});

describe('BackupApplicationsManager removing applications', () => {
  it('says why an application whose certificate change Entra has not finished stays, in the words of removeApplications', async () => {
    const [first] = applications;
    mountManager(null, {
      entraConnected: true,
      role: 'OPERATOR',
      removeApplications: () => ({
        removeApplications: {
          __typename: 'RemoveApplicationsPayload',
          removedApplications: [],
          errors: [{ __typename: 'MutationError', code: 'ROTATION_IN_PROGRESS', ids: [first!.applicationId], message: 'ignored' }],
        },
      }),
    });
    await eventually(() => expect(shownNames()).toHaveLength(4));
    get('[data-testid="application-row"]').click();
    await eventually(() => expect(get<HTMLButtonElement>('[data-testid="remove-selected"]').disabled).toBe(false));
    get('[data-testid="remove-selected"]').click();
    await eventually(() => expect(document.body.querySelector('[data-testid="remove-confirm"]')).not.toBeNull());
    get('[data-testid="remove-confirm"]').click();
    await eventually(() =>
      expect(get('[data-testid="remove-error"]')?.textContent).toBe(operationErrorMessages.removeApplications.ROTATION_IN_PROGRESS),
    );
    expect(shownNames()).toHaveLength(4);
  });

  /** Removes the first application, whose answer never comes; `rows` is the list as the server then answers it. */
  async function removeFirstWithAnswerLost(rows: () => typeof applications) {
    mountManager(null, {
      role: 'OPERATOR',
      rows,
      removeApplications: () => {
        throw new TypeError('Failed to fetch');
      },
    });
    await eventually(() => expect(shownNames()).toHaveLength(4));
    get('[data-testid="application-row"]').click();
    await eventually(() => expect(get<HTMLButtonElement>('[data-testid="remove-selected"]').disabled).toBe(false));
    get('[data-testid="remove-selected"]').click();
    await eventually(() => expect(document.body.querySelector('[data-testid="remove-confirm"]')).not.toBeNull());
  }

  it('reports the removal done when its answer was lost but the list, asked again, no longer has the application', async () => {
    let current = applications;
    await removeFirstWithAnswerLost(() => current);
    // The server removed it before the answer was lost.
    current = applications.slice(1);
    get('[data-testid="remove-confirm"]').click();
    await eventually(() => expect(document.body.querySelector('[data-testid="remove-dialog"]')).toBeNull());
    expect(get('[data-testid="manager-status"]').textContent).toBe('Removed Contoso Backup 01.');
    await eventually(() => expect(shownNames()).toHaveLength(3));
  });

  it('says the application was not removed when its answer was lost and the list, asked again, still has it', async () => {
    await removeFirstWithAnswerLost(() => applications);
    get('[data-testid="remove-confirm"]').click();
    await eventually(() =>
      expect(get('[data-testid="remove-error"]')?.textContent).toBe(
        'No answer came from the server. The application is still in the backup configuration: it was not removed. Remove tries again.',
      ),
    );
    expect(shownNames()).toHaveLength(4);
  });
});

describe("BackupApplicationsManager when the wizard's applications are removed meanwhile", () => {
  const wizardText = () => get('[data-testid="wizard-dialog"]').textContent!;

  async function openWizardOnTwo(rows: () => typeof applications) {
    const manager = mountManager(null, { role: 'OPERATOR', rows });
    await eventually(() => expect(shownNames()).toHaveLength(4));
    const [first, second] = [...document.body.querySelectorAll<HTMLElement>('[data-testid="application-row"] .grid__name')];
    first!.click();
    second!.dispatchEvent(new MouseEvent('click', { bubbles: true, ctrlKey: true }));
    await eventually(() => expect(get<HTMLButtonElement>('[data-testid="update-selected"]').disabled).toBe(false));
    get('[data-testid="update-selected"]').click();
    await eventually(() => expect(document.body.querySelector('[data-testid="wizard-dialog"]')).not.toBeNull());
    expect(wizardText()).toContain('For 2 applications of contoso.onmicrosoft.com');
    return manager;
  }

  it('says which application was removed and that Finish updates the others only', async () => {
    let current = applications;
    await openWizardOnTwo(() => current);
    current = applications.slice(1);
    get('[data-testid="refresh-applications"]').click();
    await eventually(() =>
      expect(get('[data-testid="wizard-removed"]')?.textContent).toBe(
        'Contoso Backup 01 was removed from the backup configuration while this window was open. Finish updates the other application only.',
      ),
    );
    expect(get('[data-testid="wizard-removed"]').getAttribute('role')).toBe('alert');
    // The window still says what it was opened for.
    expect(wizardText()).toContain('For 2 applications of contoso.onmicrosoft.com');
  });

  it('says nothing is left to update when every one was removed', async () => {
    let current = applications;
    await openWizardOnTwo(() => current);
    current = applications.slice(2);
    get('[data-testid="refresh-applications"]').click();
    await eventually(() =>
      expect(get('[data-testid="wizard-removed"]')?.textContent).toBe(
        'Contoso Backup 01 and Contoso Backup 02 were removed from the backup configuration while this window was open. Nothing is left to update: Cancel closes this window.',
      ),
    );
    expect(wizardText()).not.toContain('For 0 applications');
  });
});
