import type { FailureCode } from '../../common/apollo/failure.js';

export const rotationSteps = ['register', 'prove', 'switch', 'withdraw'] as const;
export type RotationStep = (typeof rotationSteps)[number];
export type RotationStepState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

/** Where a rotation stands as the console knows it: the server answers once, with success or a coded error. */
export type RotationOutcome = { kind: 'idle' } | { kind: 'running' } | { kind: 'done' } | { kind: 'failed'; code: FailureCode };

/** The step a coded error names; null when the update failed before Entra was involved (a certificate check). */
export function failedRotationStep(code: FailureCode): RotationStep | null {
  if (code === 'ROTATION_REGISTRATION_FAILED') return 'register';
  if (code === 'ROTATION_PROOF_FAILED') return 'prove';
  return null;
}

/**
 * The state of each step. While the request runs every step is shown as in progress together: the API
 * does not report which step it is on, and the console does not pretend to know.
 */
export function rotationStepStates(outcome: RotationOutcome): Record<RotationStep, RotationStepState> {
  const states = (state: RotationStepState) =>
    Object.fromEntries(rotationSteps.map((step) => [step, state])) as Record<RotationStep, RotationStepState>;
  if (outcome.kind === 'idle') return states('pending');
  if (outcome.kind === 'running') return states('running');
  if (outcome.kind === 'done') return states('done');
  const failedAt = failedRotationStep(outcome.code);
  const result = states('skipped');
  if (failedAt) {
    for (const step of rotationSteps.slice(0, rotationSteps.indexOf(failedAt))) result[step] = 'done';
    result[failedAt] = 'failed';
  }
  return result;
}
