import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockApolloClient } from '../test-support/mock-apollo.js';
import AddOrganizationWizard from './AddOrganizationWizard.vue';
import { storeCertificate as certificate } from '../test-support/store-certificate.js';

const managementAppId = '122b3ef5-f70b-4468-8dec-9be06116717d';
const storeCertificate = certificate('cert-1', {
  thumbprint: 'AB'.repeat(20),
  issuedTo: 'Contoso Backup Management',
  issuedBy: 'Contoso Backup Management',
  notAfter: '2027-01-01T00:00:00Z',
});

let wrapper: VueWrapper | undefined;
afterEach(() => {
  wrapper?.unmount();
  wrapper = undefined;
});

function refusal(code: string, ids: string[]) {
  return {
    addOrganization: {
      __typename: 'AddOrganizationPayload',
      organization: null,
      errors: [{ __typename: 'MutationError', code, message: code, ids }],
    },
  };
}

async function fillAndFinish(answers: ReturnType<typeof refusal>[]) {
  const apollo = mockApolloClient({
    CertificateStore: () => ({ certificateStore: [storeCertificate] }),
    AddOrganization: () => answers.shift(),
  });
  wrapper = mount(AddOrganizationWizard, { global: { provide: apollo.provide }, attachTo: document.body });
  const dialog = () => document.body.querySelector<HTMLElement>('[data-testid="add-organization-dialog"]')!;
  const input = (testId: string, value: string) => {
    const element = dialog().querySelector<HTMLInputElement | HTMLSelectElement>(`[data-testid="${testId}"]`)!;
    element.value = value;
    element.dispatchEvent(new Event(element instanceof HTMLSelectElement ? 'change' : 'input'));
  };
  input('add-organization-tenant', 'contoso.onmicrosoft.com');
  await flushPromises();
  dialog().querySelector<HTMLButtonElement>('[data-testid="add-organization-next"]')!.click();
  await flushPromises();
  input('add-organization-application-id', managementAppId);
  await vi.waitFor(() => expect(dialog().querySelectorAll('[data-testid="add-organization-certificate"] option')).toHaveLength(2));
  input('add-organization-certificate', 'cert-1');
  await flushPromises();
  dialog().querySelector<HTMLButtonElement>('[data-testid="add-organization-finish"]')!.click();
  return { apollo, dialog };
}

describe('AddOrganizationWizard', () => {
  it('shows a sign-in refusal on the management step, with Entra’s code', async () => {
    const { dialog } = await fillAndFinish([refusal('ENTRA_SIGN_IN_REFUSED', [managementAppId, 'AADSTS700027'])]);
    await vi.waitFor(() => expect(dialog().querySelector('[data-testid="add-organization-error-management"]')).not.toBeNull());
    expect(dialog().querySelector('[data-testid="add-organization-error-management"]')!.textContent).toContain('(AADSTS700027)');
  });

  it('goes back to the tenant step when Entra does not know the tenant', async () => {
    const { dialog, apollo } = await fillAndFinish([refusal('ENTRA_TENANT_NOT_FOUND', ['contoso.onmicrosoft.com'])]);
    await vi.waitFor(() => expect(dialog().querySelector('[data-testid="add-organization-error-tenant"]')).not.toBeNull());
    expect(dialog().querySelector('[data-testid="add-organization-tenant"]')).not.toBeNull();
    expect(apollo.operations.find((operation) => operation.operationName === 'AddOrganization')?.variables).toEqual({
      input: { tenant: 'contoso.onmicrosoft.com', cloud: 'WORLDWIDE', managementApplicationId: managementAppId, managementCertificateId: 'cert-1' },
    });
  });
});
