import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockApolloClient } from '../test-support/mock-apollo.js';
import ManagementCertificateDialog from './ManagementCertificateDialog.vue';
import { storeCertificate as certificate } from '../test-support/store-certificate.js';

const managementAppId = '122b3ef5-f70b-4468-8dec-9be06116717d';
const storeCertificate = (id: string, issuedTo: string) => certificate(id, { issuedTo, issuedBy: issuedTo, notAfter: '2027-01-01T00:00:00Z' });

let wrapper: VueWrapper | undefined;
afterEach(() => {
  wrapper?.unmount();
  wrapper = undefined;
});

function payload(errors: { code: string; ids: string[] }[]) {
  return {
    updateOrganizationConnection: {
      __typename: 'UpdateOrganizationConnectionPayload',
      organization: errors.length
        ? null
        : {
            __typename: 'Organization',
            id: 'org-1',
            managementApplicationId: managementAppId,
            managementCertificate: { ...storeCertificate('cert-new', 'Contoso Management 2026'), __typename: 'Certificate' },
          },
      errors: errors.map((error) => ({ __typename: 'MutationError', message: error.code, ...error })),
    },
  };
}

async function chooseAndApply(answers: ReturnType<typeof payload>[]) {
  const apollo = mockApolloClient({
    CertificateStore: () => ({
      certificateStore: [storeCertificate('cert-old', 'Contoso Management 2025'), storeCertificate('cert-new', 'Contoso Management 2026')],
    }),
    UpdateOrganizationConnection: () => answers.shift(),
  });
  wrapper = mount(ManagementCertificateDialog, {
    props: {
      organizationId: 'org-1',
      organizationName: 'contoso.onmicrosoft.com',
      managementApplicationId: managementAppId,
      currentCertificateId: 'cert-old',
    },
    global: { provide: apollo.provide },
    attachTo: document.body,
  });
  const dialog = () => document.body.querySelector<HTMLElement>('[data-testid="management-certificate-dialog"]')!;
  const apply = () => dialog().querySelector<HTMLButtonElement>('[data-testid="management-certificate-apply"]')!;
  // The current certificate is not offered: only the placeholder and the other one.
  await vi.waitFor(() => expect(dialog().querySelectorAll('[data-testid="management-certificate-choice"] option')).toHaveLength(2));
  expect(apply().disabled).toBe(true);
  const select = dialog().querySelector<HTMLSelectElement>('[data-testid="management-certificate-choice"]')!;
  select.value = 'cert-new';
  select.dispatchEvent(new Event('change'));
  await flushPromises();
  apply().click();
  return { apollo, dialog };
}

describe('ManagementCertificateDialog', () => {
  it('applies the chosen store certificate to the organization and says so', async () => {
    const { apollo } = await chooseAndApply([payload([])]);
    await vi.waitFor(() => expect(wrapper!.emitted('updated')).toHaveLength(1));
    expect(apollo.operations.find((operation) => operation.operationName === 'UpdateOrganizationConnection')?.variables).toEqual({
      input: { organizationId: 'org-1', managementCertificateId: 'cert-new' },
    });
  });

  it('shows Entra’s refusal with its code, and stays open so another certificate can be chosen', async () => {
    const { dialog } = await chooseAndApply([payload([{ code: 'ENTRA_SIGN_IN_REFUSED', ids: [managementAppId, 'AADSTS700027'] }])]);
    await vi.waitFor(() => expect(dialog().querySelector('[data-testid="management-certificate-error"]')).not.toBeNull());
    const text = dialog().querySelector('[data-testid="management-certificate-error"]')!.textContent!;
    expect(text).toContain('(AADSTS700027)');
    expect(text).not.toContain(managementAppId);
    expect(wrapper!.emitted('updated')).toBeUndefined();
  });
});
