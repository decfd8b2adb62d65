import { mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, mockApolloClient } from '../test-support/mock-apollo.js';
import CertificateHistory from './CertificateHistory.vue';

const OLD = '1111111111111111111111111111111111111111';
const NEW = '8F64A07E4C651AE754184A24F1C6B693DDA47EF5';

const change = (index: number, thumbprint: string, previousThumbprint: string | null, source = 'STORE') => ({
  __typename: 'CertificateChange',
  id: `change-${index}`,
  changedAt: `2026-11-${String(27 - index).padStart(2, '0')}T10:00:00Z`,
  changedBy: index === 0 ? 'user:operator' : 'token:3f1c',
  source,
  thumbprint,
  previousThumbprint,
  notAfter: '2027-11-27T00:00:00Z',
});

let wrapper: VueWrapper | undefined;
afterEach(() => wrapper?.unmount());

function mountHistory(changes: ReturnType<typeof change>[]) {
  const apollo = mockApolloClient({
    ApplicationCertificateHistory: (variables) => ({
      backupApplication: { __typename: 'BackupApplication', id: variables.id, certificateHistory: changes.slice(0, variables.first as number) },
    }),
  });
  wrapper = mount(CertificateHistory, {
    props: { applicationId: 'row-2', applicationName: 'Contoso Backup 02', currentThumbprint: changes[0]?.thumbprint ?? null },
    global: { provide: apollo.provide },
    attachTo: document.body,
  });
  return { apollo, wrapper };
}

describe('CertificateHistory', () => {
  it('asks for this application only and lists who changed it, when, from where, from which certificate to which', async () => {
    const { apollo, wrapper } = mountHistory([change(0, NEW, OLD, 'PFX_FILE'), change(1, OLD, null)]);
    await eventually(() => expect(wrapper.findAll('[data-testid="history-change"]')).toHaveLength(2));
    expect(apollo.operations).toEqual([{ operationName: 'ApplicationCertificateHistory', variables: { id: 'row-2', first: 21 } }]);
    const [newest, oldest] = wrapper.findAll('[data-testid="history-change"]');
    expect(newest!.text()).toContain('by user:operator, from a PFX file');
    expect(newest!.get('[data-testid="history-from"]').text()).toBe(OLD);
    expect(newest!.get('[data-testid="history-to"]').text()).toBe(NEW);
    expect(oldest!.text()).toContain('by token:3f1c, from the certificate store');
    expect(oldest!.get('[data-testid="history-from"]').text()).toBe('Not configured');
    expect(oldest!.get('[data-testid="history-to"]').text()).toBe(OLD);
  });

  it('copies a whole thumbprint, naming it', async () => {
    const { wrapper } = mountHistory([change(0, NEW, OLD)]);
    await eventually(() => expect(wrapper.findAll('[data-testid="history-change"]')).toHaveLength(1));
    await wrapper.get('button[aria-label="Copy new thumbprint"]').trigger('click');
    await wrapper.get('button[aria-label="Copy previous thumbprint"]').trigger('click');
    expect(wrapper.emitted('copy')).toEqual([
      [NEW, 'the new thumbprint of Contoso Backup 02'],
      [OLD, 'the previous thumbprint of Contoso Backup 02'],
    ]);
  });

  it('says when there is no history, and when older changes are left out', async () => {
    const empty = mountHistory([]);
    await eventually(() => expect(empty.wrapper.find('[data-testid="history-empty"]').exists()).toBe(true));
    empty.wrapper.unmount();

    const { wrapper } = mountHistory(Array.from({ length: 25 }, (_, index) => change(index, NEW, OLD)));
    await eventually(() => expect(wrapper.findAll('[data-testid="history-change"]')).toHaveLength(20));
    expect(wrapper.get('[data-testid="history-more"]').text()).toBe('Only the 20 newest changes are shown; the audit log keeps every one.');
  });

  it("asks again when the application's certificate changes, however the change arrived", async () => {
    const changes = [change(1, OLD, null)];
    const { apollo, wrapper } = mountHistory(changes);
    await eventually(() => expect(wrapper.findAll('[data-testid="history-change"]')).toHaveLength(1));
    changes.unshift(change(0, NEW, OLD));
    await wrapper.setProps({ currentThumbprint: NEW });
    await eventually(() => expect(wrapper.findAll('[data-testid="history-change"]')).toHaveLength(2));
    expect(apollo.operations.map((operation) => operation.operationName)).toEqual(['ApplicationCertificateHistory', 'ApplicationCertificateHistory']);
  });
});
