import { mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { nextTick } from 'vue';
import type { BackupApplicationRowFragment } from '../generated/graphql.js';
import { eventually, mockApolloClient, MockStream } from '../test-support/mock-apollo.js';
import SelectCertificateWizard from './SelectCertificateWizard.vue';
import { storeCertificate as certificate } from '../test-support/store-certificate.js';

/** The wizard on an organization connected to Entra: it follows the rotation's steps live, subscribed before it sends the update. */
const storeCertificate = certificate('a1');

const application: BackupApplicationRowFragment = {
  id: 'app-1',
  applicationId: '11111111-1111-4111-8111-111111111111',
  displayName: 'Contoso Backup 01',
  addedAt: '2026-01-01T00:00:00Z',
  entraStatus: 'REGISTERED',
  lastVerifiedAt: null,
  certificate: null,
};

const progress = (step: string | null, status: string, more: Record<string, unknown> = {}) => ({
  certificateRotationProgress: {
    __typename: 'CertificateRotationProgress',
    applicationId: step === 'VALIDATE' ? null : application.applicationId,
    step,
    status,
    attempt: null,
    errorCode: null,
    entraCode: null,
    ...more,
  },
});

let wrapper: VueWrapper | undefined;
afterEach(() => {
  wrapper?.unmount();
  wrapper = undefined;
});

const $ = (testId: string) => document.body.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
const stateOf = (step: string) => $(`rotation-step-${step}`)?.getAttribute('data-state');

describe('SelectCertificateWizard on an organization connected to Entra', () => {
  it('subscribes first, sends the update once the server listens, shows each step as it comes and the failing one with Entra’s code', async () => {
    const steps = new MockStream();
    const answer = new MockStream();
    const apollo = mockApolloClient({
      CertificateStore: () => ({ certificateStore: [storeCertificate] }),
      CertificateRotationProgress: () => steps,
      UpdateCertificate: () => answer,
    });
    wrapper = mount(SelectCertificateWizard, {
      props: { organizationId: 'org-1', organizationName: 'contoso.onmicrosoft.com', applications: [application], entraConnected: true },
      global: { provide: apollo.provide },
      attachTo: document.body,
    });
    const radio = document.body.querySelector<HTMLInputElement>('[data-testid="source-store"]')!;
    radio.checked = true;
    radio.dispatchEvent(new Event('change'));
    await nextTick();
    $('wizard-next')!.click();
    await eventually(() => expect(document.body.querySelectorAll('[data-testid="store-row"]')).toHaveLength(1));
    $('store-row')!.click();
    await nextTick();
    $('wizard-next')!.click();
    await nextTick();
    $('wizard-finish')!.click();

    await eventually(() => expect(steps.subscribed).toBe(true));
    const subscription = apollo.operations.find((operation) => operation.operationName === 'CertificateRotationProgress')!;
    const operationId = subscription.variables.operationId as string;
    expect(operationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(apollo.operations.some((operation) => operation.operationName === 'UpdateCertificate')).toBe(false);

    steps.push(progress(null, 'LISTENING'));
    await eventually(() => expect(answer.subscribed).toBe(true));
    const update = apollo.operations.find((operation) => operation.operationName === 'UpdateCertificate')!;
    expect((update.variables.input as { operationId: string }).operationId).toBe(operationId);

    steps.push(progress('VALIDATE', 'RUNNING'));
    steps.push(progress('VALIDATE', 'DONE'));
    steps.push(progress('REGISTER', 'RUNNING'));
    await eventually(() => expect(stateOf('register')).toBe('running'));
    expect([stateOf('validate'), stateOf('prove'), stateOf('switch'), stateOf('withdraw')]).toEqual(['done', 'pending', 'pending', 'pending']);

    steps.push(progress('REGISTER', 'DONE'));
    steps.push(progress('PROVE', 'RETRYING', { attempt: 1, entraCode: 'AADSTS700027' }));
    await eventually(() => expect(stateOf('prove')).toBe('retrying'));
    expect($('rotation-step-prove')!.textContent).toContain('sign-in refused 1×');

    steps.push(progress('PROVE', 'FAILED', { errorCode: 'ROTATION_PROOF_FAILED', entraCode: 'AADSTS700027' }));
    answer.end({
      updateCertificate: {
        __typename: 'UpdateCertificatePayload',
        applications: [],
        certificate: null,
        errors: [
          { __typename: 'MutationError', code: 'ROTATION_PROOF_FAILED', message: 'server text', ids: [application.applicationId, 'AADSTS700027'] },
        ],
      },
    });
    await eventually(() => expect($('rotation-failed-step')?.textContent).toContain('AADSTS700027'));
    expect($('rotation-failed-step')!.textContent).toBe(
      'Failed at: Prove that each application signs in with it for Contoso Backup 01. Microsoft Entra answered AADSTS700027. Every new key was withdrawn; nothing changed.',
    );
    expect([stateOf('validate'), stateOf('register'), stateOf('prove'), stateOf('switch'), stateOf('withdraw')]).toEqual([
      'done',
      'done',
      'failed',
      'skipped',
      'skipped',
    ]);
    // The withdrawal travels apart from the answer and may come after it: the wizard still shows it.
    steps.push(progress('REGISTER', 'UNDONE'));
    await eventually(() => expect(stateOf('register')).toBe('undone'));
    // A late transition other than a withdrawal changes nothing the answer settled.
    steps.push(progress('SWITCH', 'RUNNING'));
    await nextTick();
    expect(stateOf('switch')).toBe('skipped');
    expect(wrapper.emitted('updated')).toBeUndefined();
    // Closed, the wizard stops listening.
    wrapper.unmount();
    wrapper = undefined;
    expect(steps.subscribed).toBe(false);
  });
});
