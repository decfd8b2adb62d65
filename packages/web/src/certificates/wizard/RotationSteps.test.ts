import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import RotationSteps from './RotationSteps.vue';
import { applyProgress, finishRotation, idleRotation, type RotationProgress, type RotationProgressEvent, startRotation } from './rotation-steps.js';

const one = [{ applicationId: '11111111-1111-4111-8111-111111111111', displayName: 'Contoso Backup 01' }];
const two = [...one, { applicationId: '22222222-2222-4222-8222-222222222222', displayName: 'Contoso Backup 02' }];

function event(
  step: RotationProgressEvent['step'],
  status: RotationProgressEvent['status'],
  more: Partial<RotationProgressEvent> = {},
): RotationProgressEvent {
  return { applicationId: null, step, status, attempt: null, errorCode: null, entraCode: null, ...more };
}

function render(progress: RotationProgress, applications = one) {
  const wrapper = mount(RotationSteps, { props: { progress, applications } });
  const states = Object.fromEntries(
    ['validate', 'register', 'prove', 'switch', 'withdraw'].map((step) => [
      step,
      wrapper.get(`[data-testid="rotation-step-${step}"]`).attributes('data-state'),
    ]),
  );
  return { wrapper, states, failed: wrapper.find('[data-testid="rotation-failed-step"]') };
}

const replay = (progress: RotationProgress, events: RotationProgressEvent[]) => events.reduce(applyProgress, progress);

describe('RotationSteps', () => {
  it('shows each step as the server reports it, with the sign-in retries while Entra replicates the key', () => {
    expect(render(idleRotation(['11111111-1111-4111-8111-111111111111'])).states).toEqual({
      validate: 'pending',
      register: 'pending',
      prove: 'pending',
      switch: 'pending',
      withdraw: 'pending',
    });
    const id = one[0]!.applicationId;
    const proving = replay(startRotation([id]), [
      event('VALIDATE', 'RUNNING'),
      event('VALIDATE', 'DONE'),
      event('REGISTER', 'RUNNING', { applicationId: id }),
      event('REGISTER', 'DONE', { applicationId: id }),
      event('PROVE', 'RUNNING', { applicationId: id }),
      event('PROVE', 'RETRYING', { applicationId: id, attempt: 2, entraCode: 'AADSTS700027' }),
    ]);
    const shown = render(proving);
    expect(shown.states).toEqual({ validate: 'done', register: 'done', prove: 'retrying', switch: 'pending', withdraw: 'pending' });
    expect(shown.wrapper.get('[data-testid="rotation-step-prove"]').text()).toContain('waiting while Entra replicates the key (sign-in refused 2×)');

    // The answer counts even when progress was missed: the steps not reported are done.
    expect(render(finishRotation(proving, { kind: 'done' })).states).toEqual({
      validate: 'done',
      register: 'done',
      prove: 'done',
      switch: 'done',
      withdraw: 'done',
    });
  });

  it('names the failing step, the application and Entra’s code, and shows the withdrawn keys per application of a bulk update', () => {
    const [first, second] = two.map((application) => application.applicationId) as [string, string];
    const failed = finishRotation(
      replay(startRotation([first, second]), [
        event('VALIDATE', 'DONE'),
        event('REGISTER', 'DONE', { applicationId: first }),
        event('PROVE', 'DONE', { applicationId: first }),
        event('REGISTER', 'RUNNING', { applicationId: second }),
        event('REGISTER', 'FAILED', { applicationId: second, errorCode: 'ROTATION_REGISTRATION_FAILED', entraCode: 'Authorization_RequestDenied' }),
        event('REGISTER', 'UNDONE', { applicationId: first }),
      ]),
      { kind: 'failed', code: 'ROTATION_REGISTRATION_FAILED' },
    );
    const shown = render(failed, two);
    expect(shown.states).toEqual({ validate: 'done', register: 'failed', prove: 'skipped', switch: 'skipped', withdraw: 'skipped' });
    expect(shown.failed.text()).toBe(
      'Failed at: Register the new key on each Entra application for Contoso Backup 02. Microsoft Entra answered Authorization_RequestDenied. Every new key was withdrawn; nothing changed.',
    );
    const cells = (id: string) =>
      shown.wrapper
        .findAll(`[data-testid="rotation-application-${id}"] td`)
        .map((cell) => `${cell.attributes('data-step')} ${cell.attributes('data-state')}`);
    expect(cells(first)).toEqual(['validate done', 'register undone', 'prove done', 'switch skipped', 'withdraw skipped']);
    expect(cells(second)).toEqual(['validate done', 'register failed', 'prove skipped', 'switch skipped', 'withdraw skipped']);
  });

  it('without progress, names the step from the error code: Entra codes at registration or proof, certificate checks at validation', () => {
    const id = one[0]!.applicationId;
    const proof = render(finishRotation(startRotation([id]), { kind: 'failed', code: 'ROTATION_PROOF_FAILED', entraCode: 'AADSTS700027' }));
    expect(proof.states).toEqual({ validate: 'skipped', register: 'skipped', prove: 'failed', switch: 'skipped', withdraw: 'skipped' });
    expect(proof.failed.text()).toBe(
      'Failed at: Prove that each application signs in with it. Microsoft Entra answered AADSTS700027. Every new key was withdrawn; nothing changed.',
    );
    const early = render(finishRotation(startRotation([id]), { kind: 'failed', code: 'CERTIFICATE_EXPIRED' }));
    expect(early.states.validate).toBe('failed');
    expect(early.failed.text()).toBe('Failed at: Check the certificate and the applications. Nothing changed.');
    expect(render(finishRotation(startRotation([id]), { kind: 'failed', code: 'NETWORK' })).failed.exists()).toBe(false);
  });
});
