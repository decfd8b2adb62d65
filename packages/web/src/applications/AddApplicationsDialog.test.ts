import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockApolloClient } from '../test-support/mock-apollo.js';
import AddApplicationsDialog from './AddApplicationsDialog.vue';

const entraApplication = (index: number) => ({
  __typename: 'EntraApplicationType',
  id: `object-${index}`,
  appId: `${index}${index}${index}${index}${index}${index}${index}${index}-0000-4000-8000-000000000000`,
  displayName: `Contoso Backup 0${index}`,
});

let wrapper: VueWrapper | undefined;
afterEach(() => {
  wrapper?.unmount();
  wrapper = undefined;
  vi.useRealTimers();
});

function page(indexes: number[], endCursor: string | null) {
  return {
    availableApplications: {
      __typename: 'AvailableApplicationsPage',
      applications: indexes.map(entraApplication),
      pageInfo: { __typename: 'PageInfo', hasNextPage: endCursor !== null, endCursor },
    },
  };
}

describe('AddApplicationsDialog', () => {
  it('pages through the available applications, filters by name, and adds the chosen ones in one request', async () => {
    const apollo = mockApolloClient({
      AvailableApplications: (variables) => (variables.after ? page([3], null) : variables.filter ? page([2], null) : page([1, 2], 'c1')),
      AddApplications: () => ({ addApplications: { __typename: 'EntraApplicationsPayload', applications: [], errors: [] } }),
    });
    wrapper = mount(AddApplicationsDialog, {
      props: { organizationId: 'org-1', organizationName: 'contoso.onmicrosoft.com' },
      global: { provide: apollo.provide },
      attachTo: document.body,
    });
    const dialog = () => document.body.querySelector<HTMLElement>('[data-testid="add-applications-dialog"]')!;
    await vi.waitFor(() => expect(dialog().querySelectorAll('[data-testid="available-list"] li')).toHaveLength(2));

    dialog().querySelector<HTMLButtonElement>('[data-testid="available-more"]')!.click();
    await vi.waitFor(() => expect(dialog().querySelectorAll('[data-testid="available-list"] li')).toHaveLength(3));
    expect(apollo.operations.at(-1)).toMatchObject({ operationName: 'AvailableApplications', variables: { after: 'c1', first: 50 } });

    for (const index of [1, 3])
      dialog()
        .querySelector<HTMLInputElement>(`[data-testid="available-${entraApplication(index).appId}"]`)!
        .click();
    await flushPromises();
    expect(dialog().querySelector('[data-testid="available-selected"]')!.textContent).toBe('2 selected');
    dialog().querySelector<HTMLButtonElement>('[data-testid="add-applications-confirm"]')!.click();
    await vi.waitFor(() => expect(wrapper!.emitted('added')).toHaveLength(1));
    expect(apollo.operations.find((operation) => operation.operationName === 'AddApplications')?.variables).toEqual({
      input: { organizationId: 'org-1', applicationIds: [entraApplication(1).appId, entraApplication(3).appId] },
    });

    const filter = dialog().querySelector<HTMLInputElement>('[data-testid="available-filter"]')!;
    filter.value = 'Contoso Backup 02';
    filter.dispatchEvent(new Event('input'));
    await vi.waitFor(() => expect(dialog().querySelectorAll('[data-testid="available-list"] li')).toHaveLength(1));
    expect(apollo.operations.at(-1)).toMatchObject({ variables: { filter: 'Contoso Backup 02', after: null } });
  });

  it('shows a coded refusal and keeps the choice', async () => {
    const apollo = mockApolloClient({
      AvailableApplications: () => page([1], null),
      AddApplications: () => ({
        addApplications: {
          __typename: 'EntraApplicationsPayload',
          applications: [],
          errors: [{ __typename: 'MutationError', code: 'ENTRA_APPLICATION_NOT_FOUND', message: 'gone', ids: [entraApplication(1).appId] }],
        },
      }),
    });
    wrapper = mount(AddApplicationsDialog, {
      props: { organizationId: 'org-1', organizationName: 'contoso.onmicrosoft.com' },
      global: { provide: apollo.provide },
      attachTo: document.body,
    });
    const dialog = () => document.body.querySelector<HTMLElement>('[data-testid="add-applications-dialog"]')!;
    await vi.waitFor(() => expect(dialog().querySelectorAll('[data-testid="available-list"] li')).toHaveLength(1));
    dialog()
      .querySelector<HTMLInputElement>(`[data-testid="available-${entraApplication(1).appId}"]`)!
      .click();
    await flushPromises();
    dialog().querySelector<HTMLButtonElement>('[data-testid="add-applications-confirm"]')!.click();
    await vi.waitFor(() => expect(dialog().querySelector('[data-testid="add-applications-error"]')).not.toBeNull());
    expect(wrapper.emitted('added')).toBeUndefined();
    expect(dialog().querySelector<HTMLInputElement>(`[data-testid="available-${entraApplication(1).appId}"]`)!.checked).toBe(true);
  });
});
