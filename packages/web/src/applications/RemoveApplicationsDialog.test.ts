import { mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import RemoveApplicationsDialog from './RemoveApplicationsDialog.vue';

const application = (index: number) => ({
  applicationId: `${String(index).padStart(8, '1')}-1111-4111-8111-111111111111`,
  displayName: `Contoso Backup 0${index}`,
});

let wrapper: VueWrapper | undefined;
afterEach(() => {
  wrapper?.unmount();
  wrapper = undefined;
});

function mountDialog(count: number, entraConnected = false) {
  wrapper = mount(RemoveApplicationsDialog, {
    props: {
      applications: Array.from({ length: count }, (_, index) => application(index + 1)),
      organizationName: 'contoso.onmicrosoft.com',
      running: false,
      entraConnected,
    },
    attachTo: document.body,
  });
  return document.body.querySelector<HTMLElement>('[data-testid="remove-dialog"]')!;
}

describe('RemoveApplicationsDialog', () => {
  it('separates each name from its application id, for the eye and for screen readers, and keeps the GUID on one line', () => {
    const dialog = mountDialog(2);
    const items = [...dialog.querySelectorAll('[data-testid="remove-names"] li')];
    expect(items[0]!.textContent!.replace(/\s+/g, ' ').trim()).toBe(`Contoso Backup 01, application ID ${application(1).applicationId}`);
    const id = items[0]!.querySelector('[data-testid="remove-application-id"]')!;
    expect(id.textContent).toBe(application(1).applicationId);
    expect(id.classList).toContain('remove-list__id');
  });

  it('speaks of one application in the singular, and promises nothing the console cannot do', () => {
    const text = mountDialog(1).textContent!;
    expect(text).toContain('Remove this application from the backup configuration of contoso.onmicrosoft.com?');
    expect(text).toContain('Backups stop using this application.');
    expect(text).toContain('It stays registered in Microsoft Entra');
    expect(text).not.toMatch(/\bthem\b|\bthey\b/i);
    expect(text).not.toContain('add them again later');
  });

  it('speaks of several applications in the plural', () => {
    const text = mountDialog(3).textContent!;
    expect(text).toContain('Backups stop using these 3 applications.');
    expect(text).toContain('They stay registered in Microsoft Entra');
    expect(text).not.toContain('add them again later');
  });

  it('says Add… brings them back when the organization is connected to Entra', () => {
    const one = mountDialog(1, true).textContent!;
    expect(one).toContain('It stays registered in Microsoft Entra, and Add… in this window adds it back to the backup configuration.');
    expect(one).not.toContain('cannot add');
    wrapper!.unmount();
    const many = mountDialog(3, true).textContent!;
    expect(many).toContain('They stay registered in Microsoft Entra, and Add… in this window adds them back to the backup configuration.');
    expect(many).not.toContain('cannot add');
  });

  it('says the console cannot add them back when the organization is not connected to Entra', () => {
    expect(mountDialog(1, false).textContent).toContain('this console cannot add it back to the backup configuration');
    wrapper!.unmount();
    expect(mountDialog(3, false).textContent).toContain('this console cannot add them back to the backup configuration');
  });
});
