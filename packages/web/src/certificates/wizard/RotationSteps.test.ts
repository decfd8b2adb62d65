import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import RotationSteps from './RotationSteps.vue';
import type { RotationOutcome } from './rotation-steps.js';

function states(outcome: RotationOutcome) {
  const wrapper = mount(RotationSteps, { props: { outcome } });
  const result = Object.fromEntries(
    ['register', 'prove', 'switch', 'withdraw'].map((step) => [step, wrapper.get(`[data-testid="rotation-step-${step}"]`).attributes('data-state')]),
  );
  return { result, failed: wrapper.find('[data-testid="rotation-failed-step"]') };
}

describe('RotationSteps', () => {
  it('lists the four steps, all in progress together while the request runs (the API does not report which)', () => {
    expect(states({ kind: 'idle' }).result).toEqual({ register: 'pending', prove: 'pending', switch: 'pending', withdraw: 'pending' });
    expect(states({ kind: 'running' }).result).toEqual({ register: 'running', prove: 'running', switch: 'running', withdraw: 'running' });
    expect(states({ kind: 'done' }).result).toEqual({ register: 'done', prove: 'done', switch: 'done', withdraw: 'done' });
  });

  it('names the failing step from the error code, and says nothing changed', () => {
    const proof = states({ kind: 'failed', code: 'ROTATION_PROOF_FAILED' });
    expect(proof.result).toEqual({ register: 'done', prove: 'failed', switch: 'skipped', withdraw: 'skipped' });
    expect(proof.failed.text()).toBe('Failed at: Prove that each application signs in with it. Every new key was withdrawn; nothing changed.');

    const registration = states({ kind: 'failed', code: 'ROTATION_REGISTRATION_FAILED' });
    expect(registration.result).toEqual({ register: 'failed', prove: 'skipped', switch: 'skipped', withdraw: 'skipped' });
    expect(registration.failed.text()).toContain('Register the new key on each Entra application');
  });

  it('blames no step when the update failed before Entra was involved', () => {
    const early = states({ kind: 'failed', code: 'CERTIFICATE_EXPIRED' });
    expect(early.result).toEqual({ register: 'skipped', prove: 'skipped', switch: 'skipped', withdraw: 'skipped' });
    expect(early.failed.exists()).toBe(false);
  });
});
