import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { computed, nextTick, ref } from 'vue';
import { useListSelection } from '../common/composables/use-list-selection.js';
import type { BackupApplicationRowFragment } from '../generated/graphql.js';
import ApplicationsTable from './ApplicationsTable.vue';
import { type ApplicationListView, useApplicationListView } from './application-list-view.js';

function rows(count: number): BackupApplicationRowFragment[] {
  return Array.from({ length: count }, (_, index) => ({
    __typename: 'BackupApplication',
    id: `row-${index}`,
    applicationId: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    displayName: `App ${String(index).padStart(4, '0')}`,
    addedAt: '2026-01-01T00:00:00Z',
    entraStatus: null,
    lastVerifiedAt: null,
    certificate:
      index % 3 === 2
        ? null
        : {
            __typename: 'Certificate',
            id: `cert-${index}`,
            thumbprint: `${String(index).padStart(4, '0')}${'A'.repeat(36)}`,
            issuedTo: `App ${index}`,
            issuedBy: 'CA',
            notBefore: '2026-01-01T00:00:00Z',
            notAfter: index % 3 === 0 ? '2099-01-01T00:00:00Z' : '2020-01-01T00:00:00Z',
            status: index % 3 === 0 ? 'VALID' : 'EXPIRED',
          },
  })) as BackupApplicationRowFragment[];
}

let wrapper: ReturnType<typeof mountTable> | undefined;
afterEach(() => wrapper?.mounted.unmount());

/** The table as the manager uses it: over the filtered, sorted view of the rows, with the selection on what it shows. */
function mountTable(count = 6) {
  const data = ref(rows(count));
  const Host = {
    components: { ApplicationsTable },
    setup() {
      const view = useApplicationListView(data, null, 0);
      const selection = useListSelection(computed(() => view.rows.value.map((row) => row.applicationId)));
      return { view, shown: view.rows, selection, opened: ref<string[]>([]), removeRequests: ref(0) };
    },
    template: `<ApplicationsTable :rows="shown" :selection="selection" :sort="view.sort.value" label="Applications"
      @open-certificate="opened.push($event.displayName)" @remove-selected="removeRequests++" @sort="view.sortBy" />`,
  };
  const mounted = mount(Host, { attachTo: document.body });
  const vm = mounted.vm as unknown as {
    opened: string[];
    removeRequests: number;
    selection: ReturnType<typeof useListSelection>;
    view: ApplicationListView;
  };
  return {
    mounted,
    vm,
    data,
    grid: () => mounted.get('[role="grid"]'),
    row: (index: number) => mounted.findAll('[data-testid="application-row"]')[index]!,
  };
}

function selectedNames(table: ReturnType<typeof mountTable>) {
  return table.mounted.findAll('[data-testid="application-row"][aria-selected="true"]').map((row) => row.find('.grid__name').text());
}

describe('ApplicationsTable', () => {
  it('is a labelled multi-select grid whose rows expose their selection', async () => {
    wrapper = mountTable();
    const grid = wrapper.grid();
    expect(grid.attributes('aria-multiselectable')).toBe('true');
    expect(grid.attributes('aria-label')).toBe('Applications');
    expect(grid.attributes('aria-rowcount')).toBe('7');
    expect(wrapper.row(0).attributes('aria-selected')).toBe('false');
    await wrapper.row(0).trigger('click');
    expect(wrapper.row(0).attributes('aria-selected')).toBe('true');
    expect(grid.attributes('aria-activedescendant')).toBe(wrapper.row(0).attributes('id'));
  });

  it('selects with click, Ctrl-click, Cmd-click and Shift-click ranges', async () => {
    wrapper = mountTable();
    await wrapper.row(1).trigger('click');
    await wrapper.row(3).trigger('click', { ctrlKey: true });
    expect(selectedNames(wrapper)).toEqual(['App 0001', 'App 0003']);
    await wrapper.row(4).trigger('click', { metaKey: true });
    expect(selectedNames(wrapper)).toEqual(['App 0001', 'App 0003', 'App 0004']);
    await wrapper.row(1).trigger('click', { shiftKey: true });
    expect(selectedNames(wrapper)).toEqual(['App 0001', 'App 0002', 'App 0003', 'App 0004']);
    await wrapper.row(5).trigger('click');
    expect(selectedNames(wrapper)).toEqual(['App 0005']);
  });

  it('works by keyboard: arrows, Shift+arrows, Space, Ctrl+A, Enter and Delete', async () => {
    wrapper = mountTable();
    const grid = wrapper.grid();
    await grid.trigger('focus');
    await grid.trigger('keydown', { key: ' ' });
    expect(selectedNames(wrapper)).toEqual(['App 0000']);
    await grid.trigger('keydown', { key: 'ArrowDown' });
    expect(selectedNames(wrapper)).toEqual(['App 0001']);
    await grid.trigger('keydown', { key: 'ArrowDown', shiftKey: true });
    expect(selectedNames(wrapper)).toEqual(['App 0001', 'App 0002']);
    await grid.trigger('keydown', { key: 'ArrowDown', ctrlKey: true });
    await grid.trigger('keydown', { key: 'ArrowDown', ctrlKey: true });
    await grid.trigger('keydown', { key: ' ' });
    expect(selectedNames(wrapper)).toEqual(['App 0001', 'App 0002', 'App 0004']);
    await grid.trigger('keydown', { key: 'Enter' });
    expect(wrapper.vm.opened).toEqual(['App 0004']);
    await grid.trigger('keydown', { key: 'Delete' });
    expect(wrapper.vm.removeRequests).toBe(1);
    await grid.trigger('keydown', { key: 'a', ctrlKey: true });
    expect(selectedNames(wrapper)).toHaveLength(6);
  });

  it('selects all and none from the header checkbox', async () => {
    wrapper = mountTable();
    await wrapper.mounted.get('[data-testid="select-all"]').trigger('click');
    expect(selectedNames(wrapper)).toHaveLength(6);
    await wrapper.mounted.get('[data-testid="select-all"]').trigger('click');
    expect(selectedNames(wrapper)).toHaveLength(0);
  });

  it('shows the Certificate link as Configured or Not configured, and the expiry state', () => {
    wrapper = mountTable();
    const links = wrapper.mounted.findAll('[data-testid="certificate-link"]').map((link) => link.text());
    expect(links.slice(0, 3)).toEqual(['Configured', 'Configured', 'Not configured']);
    const states = wrapper.mounted
      .findAll('[data-testid="expiry"]')
      .map((cell) => cell.element.querySelector('[data-status]')?.getAttribute('data-status') ?? 'none');
    expect(states.slice(0, 2)).toEqual(['VALID', 'EXPIRED']);
    expect(wrapper.row(2).find('[data-testid="expiry"] [aria-hidden="true"]').text()).toBe('—');
  });

  it('marks empty cells with one and the same dash, in the text font, spoken as "none"', () => {
    wrapper = mountTable();
    const thumbprint = wrapper.row(2).get('[data-testid="thumbprint"]');
    const expiry = wrapper.row(2).get('[data-testid="expiry"]');
    for (const cell of [thumbprint, expiry]) {
      const empty = cell.get('.empty-value');
      expect(empty.get('[aria-hidden="true"]').text()).toBe('—');
      expect(empty.get('.visually-hidden').text()).toBe('none');
      expect(empty.element.closest('.mono')).toBeNull();
    }
  });

  it('abbreviates the thumbprint for narrow tables and keeps the whole one beside it', () => {
    wrapper = mountTable();
    const cell = wrapper.row(0).get('[data-testid="thumbprint"]');
    const full = `0000${'A'.repeat(36)}`;
    expect(cell.get('.grid__thumbprint-full').text()).toBe(full);
    expect(cell.get('.grid__thumbprint-short').text()).toBe(`0000AAAA…AAAA`);
    expect(cell.get('.grid__thumbprint-short').attributes('aria-hidden')).toBe('true');
  });

  it('keeps the expiry state beside the certificate for tables too narrow for the Expires column, and "in N days" apart', () => {
    wrapper = mountTable();
    const inline = wrapper.row(0).get('.grid__certificate [data-testid="inline-expiry"]');
    expect(inline.attributes('data-status')).toBe('VALID');
    // Hidden but for screen readers, the words say what the icon shows.
    expect(inline.get('.expiry__state').text()).toBe('Valid');
    expect(wrapper.row(2).find('[data-testid="inline-expiry"]').exists()).toBe(false);
    // Narrow tables leave the distance out of the Expires column; the details panel keeps it.
    expect(wrapper.row(0).get('[data-testid="expiry"] .expiry__distance').text()).toMatch(/^· in \d+ days$/);
  });

  it('gives every column narrow tables hide its class in the header, each row and the spacer rows', async () => {
    wrapper = mountTable(1000);
    const grid = wrapper.grid();
    await grid.trigger('focus');
    await grid.trigger('keydown', { key: 'End' });
    await nextTick();
    const spacer = wrapper.mounted.get('.grid__spacer');
    for (const hidden of ['grid__appid', 'grid__thumbprint', 'grid__expires']) {
      expect(wrapper.mounted.findAll(`thead th.${hidden}`), hidden).toHaveLength(1);
      expect(wrapper.mounted.find('[aria-rowindex="1001"]').findAll(`td.${hidden}`), hidden).toHaveLength(1);
      expect(spacer.findAll(`td.${hidden}`), hidden).toHaveLength(1);
    }
    // One spacer cell per column shown, none spanning a column that hides.
    const spans = spacer.findAll('td').map((cell) => Number(cell.attributes('colspan') ?? 1));
    expect(spans.reduce((sum, span) => sum + span, 0)).toBe(6);
  });

  it('opens the certificate wizard from the link without changing the selection', async () => {
    wrapper = mountTable();
    await wrapper.row(0).trigger('click');
    await wrapper.row(2).get('[data-testid="certificate-link"]').trigger('click');
    expect(wrapper.vm.opened).toEqual(['App 0002']);
    expect(selectedNames(wrapper)).toEqual(['App 0000']);
  });

  it('renders only the rows in view of 1,000 applications, and keeps the focused row rendered', async () => {
    wrapper = mountTable(1000);
    const rendered = wrapper.mounted.findAll('[data-testid="application-row"]');
    expect(rendered.length).toBeGreaterThan(10);
    expect(rendered.length).toBeLessThan(60);
    const grid = wrapper.grid();
    await grid.trigger('focus');
    await grid.trigger('keydown', { key: 'End' });
    await nextTick();
    const last = wrapper.mounted.find('[aria-rowindex="1001"]');
    expect(last.exists()).toBe(true);
    expect(last.attributes('aria-selected')).toBe('true');
    expect(grid.attributes('aria-activedescendant')).toBe(last.attributes('id'));
  });

  it('drops removed rows from the selection', async () => {
    wrapper = mountTable();
    await wrapper.grid().trigger('keydown', { key: 'a', ctrlKey: true });
    wrapper.data.value = wrapper.data.value.slice(2);
    await nextTick();
    await nextTick();
    expect(wrapper.vm.selection.selectedIds.value).toHaveLength(4);
  });

  it('sorts by a column from its header: aria-sort and an arrow say which way; the selection and focus stay on their rows', async () => {
    wrapper = mountTable();
    const header = (key: string) => wrapper!.mounted.get(`[data-testid="sort-${key}"]`);
    const names = () => wrapper!.mounted.findAll('.grid__name').map((cell) => cell.text());
    expect(header('displayName').element.closest('th')?.getAttribute('aria-sort')).toBe('ascending');
    expect(header('expires').element.closest('th')?.hasAttribute('aria-sort')).toBe(false);

    await wrapper.row(1).trigger('click');
    await header('expires').trigger('click');
    // Expired (2020) first, then valid (2099), Not configured last.
    expect(names()).toEqual(['App 0001', 'App 0004', 'App 0000', 'App 0003', 'App 0002', 'App 0005']);
    expect(header('expires').element.closest('th')?.getAttribute('aria-sort')).toBe('ascending');
    expect(header('displayName').element.closest('th')?.hasAttribute('aria-sort')).toBe(false);
    expect(header('expires').get('.grid__sort-indicator').text()).toBe('▲');
    expect(selectedNames(wrapper)).toEqual(['App 0001']);
    expect(wrapper.grid().attributes('aria-activedescendant')).toBe(wrapper.row(0).attributes('id'));

    await header('expires').trigger('click');
    expect(header('expires').element.closest('th')?.getAttribute('aria-sort')).toBe('descending');
    expect(header('expires').get('.grid__sort-indicator').text()).toBe('▼');
    expect(names()).toEqual(['App 0000', 'App 0003', 'App 0001', 'App 0004', 'App 0002', 'App 0005']);
    // The arrows follow the order shown.
    await wrapper.grid().trigger('keydown', { key: 'ArrowDown' });
    expect(selectedNames(wrapper)).toEqual(['App 0004']);
  });

  it('leaves keys pressed on a header button to the button: Enter sorts, it neither opens a certificate nor moves the selection', async () => {
    wrapper = mountTable();
    await wrapper.row(0).trigger('click');
    const button = wrapper.mounted.get('[data-testid="sort-displayName"]');
    await button.trigger('keydown', { key: 'Enter' });
    await button.trigger('keydown', { key: 'ArrowDown' });
    expect(wrapper.vm.opened).toEqual([]);
    expect(selectedNames(wrapper)).toEqual(['App 0000']);
  });

  it('selects only the rows a filter shows; rows it hides leave the selection', async () => {
    wrapper = mountTable();
    await wrapper.grid().trigger('keydown', { key: 'a', ctrlKey: true });
    wrapper.vm.view.state.value = 'expired';
    await nextTick();
    await nextTick();
    expect(wrapper.mounted.findAll('.grid__name').map((cell) => cell.text())).toEqual(['App 0001', 'App 0004']);
    expect(wrapper.vm.selection.selectedIds.value).toHaveLength(2);
    await wrapper.mounted.get('[data-testid="select-all"]').trigger('click');
    expect(wrapper.vm.selection.selectedIds.value).toHaveLength(0);
    await wrapper.grid().trigger('keydown', { key: 'a', ctrlKey: true });
    expect(selectedNames(wrapper)).toEqual(['App 0001', 'App 0004']);
  });
});
