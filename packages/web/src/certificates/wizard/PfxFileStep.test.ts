import { mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { errorText } from '../../common/i18n/translate.js';
import PfxFileStep from './PfxFileStep.vue';
import type { PfxCheck, PfxInspection } from './wizard-flow.js';

const certificate: NonNullable<PfxInspection['certificate']> = {
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

let wrapper: VueWrapper | undefined;
afterEach(() => wrapper?.unmount());

function mountStep(check: PfxCheck, errors: { fileError?: string; passwordError?: string } = {}) {
  const file = new File([new Uint8Array([0x30, 0x82])], 'backup.pfx');
  wrapper = mount(PfxFileStep, { props: { file, password: 'typed', check, ...errors }, attachTo: document.body });
  return wrapper;
}

const find = (testId: string) => wrapper!.find(`[data-testid="${testId}"]`);

describe('PfxFileStep', () => {
  it('says while the server reads the file, as a status for screen readers', () => {
    mountStep({ kind: 'checking' });
    expect(find('pfx-checking').attributes('role')).toBe('status');
    expect(find('pfx-checking').text()).toBe('Checking the file…');
    expect(find('pfx-certificate').exists()).toBe(false);
  });

  it('shows the certificate in the file as the store details do, with who uses it when the store has it', () => {
    mountStep({
      kind: 'checked',
      inspection: {
        certificate,
        storeCertificate: {
          id: 's1',
          usedBy: [{ id: 'a1', displayName: 'Contoso Backup 01', organization: { id: 'o1', name: 'contoso.onmicrosoft.com' } }],
        },
        problems: [],
      },
    });
    const shown = find('pfx-certificate');
    expect(shown.find('h3').text()).toBe('Certificate in the file');
    expect(shown.find('[data-testid="certificate-details-facts"]').exists()).toBe(true);
    for (const text of [certificate.subject, certificate.issuer, certificate.thumbprint, certificate.thumbprintSha256, '01AB', 'RSA 2048 bits'])
      expect(shown.text()).toContain(text);
    expect(find('pfx-in-store').exists()).toBe(true);
    expect(shown.text()).toContain('Contoso Backup 01 (contoso.onmicrosoft.com)');
    expect(shown.findAll('[data-testid="copy-value"]')).toHaveLength(3);
  });

  it('marks the password invalid and describes it with the problem', () => {
    mountStep(
      { kind: 'checked', inspection: { certificate: null, storeCertificate: null, problems: [{ code: 'PFX_WRONG_PASSWORD' }] } },
      {
        passwordError: errorText('PFX_WRONG_PASSWORD'),
      },
    );
    const input = find('pfx-password');
    expect(input.attributes('aria-invalid')).toBe('true');
    const described = input.attributes('aria-describedby')!.split(' ');
    const error = wrapper!.find('[role="alert"]');
    expect(described).toContain(error.attributes('id'));
    expect(error.text()).toBe(errorText('PFX_WRONG_PASSWORD'));
    expect(find('pfx-certificate').exists()).toBe(false);
  });

  it('offers to check again when the server could not check the file', async () => {
    mountStep({ kind: 'unchecked', code: 'SERVER_BUSY' });
    expect(find('pfx-unchecked').text()).toContain(errorText('SERVER_BUSY'));
    await find('pfx-recheck').trigger('click');
    expect(wrapper!.emitted('recheck')).toHaveLength(1);
  });
});
