import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextTick, ref } from 'vue';
import { type CurrentActor, currentActorKey } from '../auth/current-actor.js';
import { errorText, t } from '../common/i18n/translate.js';
import { eventually, mockApolloClient, type OperationHandler } from '../test-support/mock-apollo.js';
import OrganizationsView from './OrganizationsView.vue';

const organization = (id: string, name: string, attention = { expiringSoon: 0, expired: 0 }) => ({
  __typename: 'Organization',
  id,
  name,
  region: 'Worldwide',
  tenantId: `tenant-${id}`,
  certificateSummary: { __typename: 'CertificateSummary', ...attention },
});

function page(nodes: ReturnType<typeof organization>[]) {
  return {
    organizations: {
      __typename: 'OrganizationConnection',
      totalCount: nodes.length,
      pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
      edges: nodes.map((node) => ({ __typename: 'OrganizationEdge', cursor: node.id, node })),
    },
  };
}

/** The summary agrees with the list: the cache holds one certificateSummary per organization. */
const summary = (listed: ReturnType<typeof organization>) => ({
  organization: {
    ...listed,
    createdAt: '2026-01-01T00:00:00Z',
    entraConnected: listed.id === 'contoso',
    managementApplicationId: listed.id === 'contoso' ? 'b1000000-0000-4000-8000-000000000001' : null,
    managementCertificate:
      listed.id === 'contoso'
        ? {
            __typename: 'Certificate',
            id: 'management-cert',
            thumbprint: 'AB'.repeat(20),
            issuedTo: 'Contoso Backup Management',
            notAfter: '2099-01-01T00:00:00Z',
            status: 'VALID',
          }
        : null,
    certificateSummary: { ...listed.certificateSummary, applications: 4, configured: 3, notConfigured: 1 },
  },
});

let wrapper: VueWrapper | undefined;
afterEach(() => {
  wrapper?.unmount();
  wrapper = undefined;
});

/** Contoso's applications as the manager lists them: one valid, one expiring, one expired, one not configured. */
const contosoApplications = (['VALID', 'EXPIRING_SOON', 'EXPIRED', null] as const).map((status, index) => ({
  __typename: 'BackupApplication',
  id: `row-${index}`,
  applicationId: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
  displayName: `Contoso Backup 0${index + 1}`,
  addedAt: '2026-01-01T00:00:00Z',
  entraStatus: null,
  lastVerifiedAt: null,
  certificate: status && {
    __typename: 'Certificate',
    id: `cert-${index}`,
    thumbprint: String(index).repeat(40),
    issuedTo: 'Contoso',
    issuedBy: 'CA',
    notBefore: '2025-01-01T00:00:00Z',
    notAfter: '2027-01-01T00:00:00Z',
    status,
  },
}));

function mountView(
  organizations: ReturnType<typeof organization>[],
  { role = 'OPERATOR', removeOrganization }: { role?: CurrentActor['role']; removeOrganization?: OperationHandler } = {},
) {
  const apollo = mockApolloClient({
    ...(removeOrganization ? { RemoveOrganization: removeOrganization } : {}),
    OrganizationApplications: (variables) => ({
      organization: {
        __typename: 'Organization',
        id: variables.organizationId,
        name: 'contoso.onmicrosoft.com',
        entraConnected: false,
        backupApplications: contosoApplications,
      },
    }),
    Organizations: (variables) => {
      const filter = (variables.filter as { nameContains?: string } | null)?.nameContains;
      return page(filter ? organizations.filter((node) => node.name.includes(filter)) : organizations);
    },
    OrganizationSummary: (variables) => {
      const listed = organizations.find((candidate) => candidate.id === variables.id);
      return listed ? summary(listed) : { organization: null };
    },
  });
  const actor = ref({ role } as CurrentActor);
  wrapper = mount(OrganizationsView, { global: { provide: { ...apollo.provide, [currentActorKey as symbol]: actor } }, attachTo: document.body });
  return { apollo, wrapper };
}

describe('OrganizationsView', () => {
  it('shows the management certificate with its expiry; administrators only may change it, in a dialog', async () => {
    const operatorView = mountView([organization('contoso', 'contoso.onmicrosoft.com')], { role: 'OPERATOR' }).wrapper;
    await eventually(() => expect(operatorView.find('[data-testid="summary-management-certificate"]').exists()).toBe(true));
    expect(operatorView.get('[data-testid="summary-management-certificate"]').text()).toContain('AB'.repeat(20));
    expect(operatorView.find('[data-testid="summary-management-certificate"] [data-status="VALID"]').exists()).toBe(true);
    expect(operatorView.find('[data-testid="summary-change-management-certificate"]').exists()).toBe(false);
    operatorView.unmount();

    const { wrapper } = mountView([organization('contoso', 'contoso.onmicrosoft.com')], { role: 'ADMINISTRATOR' });
    await eventually(() => expect(wrapper.find('[data-testid="summary-change-management-certificate"]').exists()).toBe(true));
    await wrapper.get('[data-testid="summary-change-management-certificate"]').trigger('click');
    await eventually(() => expect(document.body.querySelector('[data-testid="management-certificate-dialog"]')).not.toBeNull());
  });

  it('tells how to load demo data when the database has no organization', async () => {
    const { wrapper } = mountView([]);
    await eventually(() => expect(wrapper.find('[data-testid="organizations-empty"]').exists()).toBe(true));
    expect(wrapper.get('[data-testid="organizations-empty"]').text()).toContain('DEMO_DATA=true');
  });

  it('selects the first organization and summarizes its certificates', async () => {
    const { wrapper } = mountView([
      organization('contoso', 'contoso.onmicrosoft.com', { expiringSoon: 1, expired: 1 }),
      organization('fabrikam', 'fabrikam.onmicrosoft.com'),
    ]);
    await eventually(() => expect(wrapper.find('[data-testid="summary-applications"]').exists()).toBe(true));
    expect(wrapper.get('[role="treeitem"][aria-selected="true"]').text()).toContain('contoso.onmicrosoft.com');
    expect(wrapper.get('[data-testid="summary-applications"]').text()).toContain('4');
    expect(wrapper.get('[data-testid="summary-expiring"]').text()).toContain('1');
    expect(wrapper.get('[data-testid="summary-expired"]').text()).toContain('1');
    expect(wrapper.get('[data-testid="summary-not-configured"]').text()).toContain('1');
  });

  it('asks for the summary only once the list has been painted, so as not to delay it', async () => {
    // Animation frames are held back: the frame that paints the list has not come yet.
    const frames: FrameRequestCallback[] = [];
    const requestFrame = vi.spyOn(window, 'requestAnimationFrame').mockImplementation((callback) => frames.push(callback));
    try {
      const { apollo, wrapper } = mountView([organization('contoso', 'contoso.onmicrosoft.com')]);
      await eventually(() => expect(wrapper.findAll('[role="treeitem"]')).toHaveLength(1));
      await flushPromises();
      expect(wrapper.get('[role="treeitem"][aria-selected="true"]').text()).toContain('contoso.onmicrosoft.com');
      expect(apollo.operations.map((operation) => operation.operationName)).not.toContain('OrganizationSummary');
      // Meanwhile the summary says it is loading, not that nothing is selected.
      expect(wrapper.get('[data-testid="organization-summary"]').text()).toBe(t('summary.loading'));

      for (const frame of frames.splice(0)) frame(performance.now());
      await eventually(() => expect(wrapper.find('[data-testid="summary-applications"]').exists()).toBe(true));
      expect(apollo.operations.filter((operation) => operation.operationName === 'OrganizationSummary')).toHaveLength(1);
    } finally {
      requestFrame.mockRestore();
    }
  });

  it('marks organizations whose certificates need attention in the inventory pane', async () => {
    const { wrapper } = mountView([
      organization('fabrikam', 'fabrikam.onmicrosoft.com', { expiringSoon: 1, expired: 2 }),
      organization('northwind', 'northwind.onmicrosoft.com'),
    ]);
    await eventually(() => expect(wrapper.findAll('[role="treeitem"]')).toHaveLength(2));
    const [fabrikam, northwind] = wrapper.findAll('[role="treeitem"]');
    const marker = fabrikam!.get('[data-testid="organization-attention"]');
    expect(marker.text()).toContain('2 expired, 1 expiring within 30 days');
    expect(marker.classes()).toContain('tree__attention--expired');
    expect(northwind!.find('[data-testid="organization-attention"]').exists()).toBe(false);
  });

  it('filters on the server by name', async () => {
    const { apollo, wrapper } = mountView([organization('contoso', 'contoso.onmicrosoft.com'), organization('fabrikam', 'fabrikam.onmicrosoft.com')]);
    await eventually(() => expect(wrapper.findAll('[role="treeitem"]')).toHaveLength(2));
    await wrapper.get('[data-testid="organization-filter"]').setValue('fabri');
    await eventually(() => expect(wrapper.findAll('[role="treeitem"]')).toHaveLength(1));
    expect(apollo.operations.at(-1)?.variables.filter).toEqual({ nameContains: 'fabri' });
  });

  it.each([
    ['Shift+F10', { key: 'F10', shiftKey: true }],
    ['the context-menu key', { key: 'ContextMenu' }],
  ])('opens the command menu with %s, and Escape closes it', async (_name, key) => {
    const { wrapper } = mountView([organization('contoso', 'contoso.onmicrosoft.com')]);
    await eventually(() => expect(wrapper.findAll('[role="treeitem"]')).toHaveLength(1));
    await wrapper.get('[role="treeitem"]').trigger('keydown', key);
    await flushPromises();
    const menu = document.body.querySelector('[role="menu"]');
    expect(menu?.getAttribute('aria-label')).toBe('Actions for contoso.onmicrosoft.com');
    expect([...menu!.querySelectorAll('[role="menuitem"]')].map((item) => item.textContent?.trim())).toEqual([
      'Manage backup applications',
      'Copy tenant ID',
    ]);
    expect(document.activeElement?.textContent?.trim()).toBe('Manage backup applications');
    menu!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await nextTick();
    expect(document.body.querySelector('[role="menu"]')).toBeNull();
  });

  it('opens the command menu at the pointer on right-click', async () => {
    const { wrapper } = mountView([organization('contoso', 'contoso.onmicrosoft.com')]);
    await eventually(() => expect(wrapper.findAll('[role="treeitem"]')).toHaveLength(1));
    await wrapper.get('[role="treeitem"]').trigger('contextmenu', { clientX: 120, clientY: 80 });
    const menu = document.body.querySelector<HTMLElement>('[role="menu"]');
    expect(menu?.style.left).toBe('120px');
    expect(menu?.style.top).toBe('80px');
  });

  it.each([
    ['summary-expired', 'expired', ['Contoso Backup 03']],
    ['summary-expiring', 'expiring', ['Contoso Backup 02']],
    ['summary-not-configured', 'notConfigured', ['Contoso Backup 04']],
    ['summary-configured', 'configured', ['Contoso Backup 01', 'Contoso Backup 02', 'Contoso Backup 03']],
  ])('opens the manager filtered to what the %s tile counts', async (tile, state, names) => {
    const { wrapper } = mountView([organization('contoso', 'contoso.onmicrosoft.com', { expiringSoon: 1, expired: 1 })]);
    await eventually(() => expect(wrapper.find(`[data-testid="${tile}"] button`).exists()).toBe(true));
    const button = wrapper.get(`[data-testid="${tile}"] button`);
    expect(button.text()).toMatch(/show them in the manager$/);
    await button.trigger('click');
    const shown = () => [...document.body.querySelectorAll('[data-testid="application-row"] .grid__name')].map((cell) => cell.textContent);
    await eventually(() => expect(shown()).toEqual(names));
    expect(document.body.querySelector<HTMLSelectElement>('[data-testid="state-filter"]')?.value).toBe(state);
    expect(document.body.querySelector('[data-testid="clear-filter"]')).not.toBeNull();
  });

  it('opens the manager on every application from the Backup applications tile and the Manage button', async () => {
    const { wrapper } = mountView([organization('contoso', 'contoso.onmicrosoft.com', { expiringSoon: 1, expired: 1 })]);
    await eventually(() => expect(wrapper.find('[data-testid="summary-applications"] button').exists()).toBe(true));
    await wrapper.get('[data-testid="summary-applications"] button').trigger('click');
    await eventually(() => expect(document.body.querySelectorAll('[data-testid="application-row"]')).toHaveLength(4));
    expect(document.body.querySelector('[data-testid="clear-filter"]')).toBeNull();
  });
});

describe('removing an organization', () => {
  const $ = (testId: string) => document.body.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
  const removed = (code?: string) => () => ({
    removeOrganization: {
      __typename: 'RemoveOrganizationPayload',
      organization: code ? null : { __typename: 'Organization', id: 'contoso', name: 'contoso.onmicrosoft.com' },
      errors: code ? [{ __typename: 'MutationError', code, message: 'server text', ids: ['contoso'] }] : [],
    },
  });

  it('is offered to administrators only, in the summary and the command menu', async () => {
    for (const role of ['VIEWER', 'OPERATOR'] as const) {
      const { wrapper } = mountView([organization('contoso', 'contoso.onmicrosoft.com')], { role });
      await eventually(() => expect(wrapper.find('[data-testid="summary-applications"]').exists()).toBe(true));
      expect(wrapper.find('[data-testid="summary-remove"]').exists()).toBe(false);
      await wrapper.get('[role="treeitem"]').trigger('contextmenu', { clientX: 10, clientY: 10 });
      expect(document.body.querySelector('[role="menu"]')?.textContent).not.toContain('Remove organization');
      wrapper.unmount();
    }
    const { wrapper } = mountView([organization('contoso', 'contoso.onmicrosoft.com')], { role: 'ADMINISTRATOR' });
    await eventually(() => expect(wrapper.find('[data-testid="summary-remove"]').exists()).toBe(true));
    await wrapper.get('[role="treeitem"]').trigger('contextmenu', { clientX: 10, clientY: 10 });
    const item = [...document.body.querySelectorAll<HTMLElement>('[role="menuitem"]')].find((candidate) =>
      candidate.textContent?.includes('Remove organization'),
    );
    item!.click();
    await eventually(() => expect($('remove-organization-dialog')).not.toBeNull());
  });

  it('names the organization and how many applications go with it, keeps the dialog with the reason on a refusal, and removes on confirmation', async () => {
    let answer = removed('ROTATION_IN_PROGRESS');
    const { apollo, wrapper } = mountView(
      [organization('contoso', 'contoso.onmicrosoft.com'), organization('fabrikam', 'fabrikam.onmicrosoft.com')],
      {
        role: 'ADMINISTRATOR',
        removeOrganization: () => answer(),
      },
    );
    await eventually(() => expect(wrapper.find('[data-testid="summary-remove"]').exists()).toBe(true));
    await wrapper.get('[data-testid="summary-remove"]').trigger('click');
    expect($('remove-organization-question')!.textContent?.trim()).toBe('Remove contoso.onmicrosoft.com and its 4 backup applications?');
    expect($('remove-organization-dialog')!.textContent).toContain('Microsoft Entra is not changed');
    expect($('remove-organization-confirm')!.textContent?.trim()).toBe('Remove organization and 4 applications');

    $('remove-organization-confirm')!.click();
    await eventually(() => expect($('remove-organization-error')?.textContent).toBe(errorText('ROTATION_IN_PROGRESS')));
    expect(apollo.operations.filter((operation) => operation.operationName === 'RemoveOrganization').map((operation) => operation.variables)).toEqual(
      [{ id: 'contoso' }],
    );

    answer = removed();
    $('remove-organization-confirm')!.click();
    await eventually(() => expect($('remove-organization-dialog')).toBeNull());
    expect(wrapper.get('[role="status"][aria-live="polite"]').text()).toBe('contoso.onmicrosoft.com was removed with its 4 applications.');
  });

  it('cancels without a request', async () => {
    const { apollo, wrapper } = mountView([organization('contoso', 'contoso.onmicrosoft.com')], {
      role: 'ADMINISTRATOR',
      removeOrganization: removed(),
    });
    await eventually(() => expect(wrapper.find('[data-testid="summary-remove"]').exists()).toBe(true));
    await wrapper.get('[data-testid="summary-remove"]').trigger('click');
    $('remove-organization-cancel')!.click();
    await nextTick();
    expect($('remove-organization-dialog')).toBeNull();
    expect(apollo.operations.some((operation) => operation.operationName === 'RemoveOrganization')).toBe(false);
  });
});
