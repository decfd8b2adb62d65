import { mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, mockApolloClient } from '../test-support/mock-apollo.js';
import CertificateDetails from './CertificateDetails.vue';

const details = {
  __typename: 'Certificate',
  id: 'cert-1',
  subject: 'CN=Contoso Backup 01, O=Contoso',
  issuer: 'CN=Contoso Issuing CA, O=Contoso',
  serialNumber: '01A2B3C4D5',
  thumbprint: '8F64A07E4C651AE754184A24F1C6B693DDA47EF5',
  thumbprintSha256: 'AB'.repeat(32),
  notBefore: '2026-01-01T00:00:00Z',
  notAfter: '2027-01-01T00:00:00Z',
  status: 'VALID',
  keyAlgorithm: 'RSA',
  keySize: 2048,
  managedOrganizations: [],
  usedBy: [
    {
      __typename: 'BackupApplication',
      id: 'a1',
      displayName: 'Contoso Backup 01',
      organization: { __typename: 'Organization', id: 'org-1', name: 'contoso.onmicrosoft.com' },
    },
    {
      __typename: 'BackupApplication',
      id: 'a9',
      displayName: 'Fabrikam Exchange Backup',
      organization: { __typename: 'Organization', id: 'org-2', name: 'fabrikam.onmicrosoft.com' },
    },
  ],
};

let wrapper: VueWrapper | undefined;
afterEach(() => wrapper?.unmount());

describe('CertificateDetails', () => {
  it('shows subject, issuer, serial number, both thumbprints with Copy, validity, key, and who uses it in which organization', async () => {
    const apollo = mockApolloClient({ CertificateDetails: (variables) => ({ certificate: { ...details, id: variables.id } }) });
    wrapper = mount(CertificateDetails, { props: { certificateId: 'cert-1' }, global: { provide: apollo.provide }, attachTo: document.body });
    await eventually(() => expect(wrapper!.find('[data-testid="certificate-details-facts"]').exists()).toBe(true));
    const text = wrapper.text();
    for (const expected of [
      'CN=Contoso Backup 01, O=Contoso',
      'CN=Contoso Issuing CA, O=Contoso',
      '01A2B3C4D5',
      details.thumbprint,
      details.thumbprintSha256,
      'RSA 2048',
      'Contoso Backup 01 (contoso.onmicrosoft.com)',
      'Fabrikam Exchange Backup (fabrikam.onmicrosoft.com)',
    ])
      expect(text).toContain(expected);
    expect(wrapper.findAll('[data-testid="copy-value"]').map((button) => button.attributes('aria-label'))).toEqual([
      'Copy SHA-1 thumbprint',
      'Copy SHA-256 thumbprint',
      'Copy serial number',
    ]);
    expect(wrapper.find('[data-testid="certificate-management-of"]').exists()).toBe(false);
  });

  it('says which organizations sign in to Entra with a management certificate that no application uses', async () => {
    const management = {
      ...details,
      usedBy: [],
      managedOrganizations: [{ __typename: 'Organization', id: 'org-1', name: 'contoso.onmicrosoft.com' }],
    };
    const apollo = mockApolloClient({ CertificateDetails: (variables) => ({ certificate: { ...management, id: variables.id } }) });
    wrapper = mount(CertificateDetails, { props: { certificateId: 'cert-1' }, global: { provide: apollo.provide }, attachTo: document.body });
    await eventually(() => expect(wrapper!.find('[data-testid="certificate-details-facts"]').exists()).toBe(true));
    expect(wrapper.text()).toContain('No application uses this certificate.');
    expect(wrapper.find('[data-testid="certificate-management-of"]').text()).toContain('Management certificate of 1 organization');
    expect(wrapper.find('[data-testid="certificate-management-of"]').text()).toContain('contoso.onmicrosoft.com');
  });
});
