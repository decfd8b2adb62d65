import type { FailureCode } from '../../common/apollo/failure.js';
import type { CertificateRotationProgressSubscription } from '../../generated/graphql.js';

export const rotationSteps = ['validate', 'register', 'prove', 'switch', 'withdraw'] as const;
export type RotationStep = (typeof rotationSteps)[number];
export type RotationStepState = 'pending' | 'running' | 'retrying' | 'done' | 'skipped' | 'failed' | 'undone' | 'postponed';

/** One step transition from `certificateRotationProgress`. */
export type RotationProgressEvent = CertificateRotationProgressSubscription['certificateRotationProgress'];

const stepOf: Record<NonNullable<RotationProgressEvent['step']>, RotationStep> = {
  VALIDATE: 'validate',
  REGISTER: 'register',
  PROVE: 'prove',
  SWITCH: 'switch',
  REMOVE_OLD_KEY: 'withdraw',
};

export interface StepProgress {
  state: RotationStepState;
  /** While retrying: how many sign-ins with the new key Entra has refused. */
  attempt: number | null;
}

export interface RotationFailure {
  /** Null when no step can be named (the server could not be reached). */
  step: RotationStep | null;
  code: FailureCode;
  /** Entra's own code (`AADSTS700027` …), when the server reported it. */
  entraCode: string | null;
  /** The application it concerns; null: all of them. */
  applicationId: string | null;
}

/** A rotation as the console follows it: each application's steps as the server reports them, then the mutation's outcome. */
export interface RotationProgress {
  kind: 'idle' | 'running' | 'done' | 'failed';
  /** Each application's steps, by application id (lower case, as the server reports it). */
  applications: Record<string, Record<RotationStep, StepProgress>>;
  failure: RotationFailure | null;
}

function freshSteps(): Record<RotationStep, StepProgress> {
  return Object.fromEntries(rotationSteps.map((step) => [step, { state: 'pending', attempt: null }])) as Record<RotationStep, StepProgress>;
}

export function idleRotation(applicationIds: readonly string[]): RotationProgress {
  return { kind: 'idle', applications: Object.fromEntries(applicationIds.map((id) => [id.toLowerCase(), freshSteps()])), failure: null };
}

export function startRotation(applicationIds: readonly string[]): RotationProgress {
  return { ...idleRotation(applicationIds), kind: 'running' };
}

/**
 * The progress with one more transition: for one application, or for all of them when the event names none.
 * Once the update has failed, only a withdrawal still counts: progress travels apart from the answer, so a
 * rollback's notice may arrive after it.
 */
export function applyProgress(progress: RotationProgress, event: RotationProgressEvent): RotationProgress {
  const counts = progress.kind === 'running' || (progress.kind === 'failed' && event.status === 'UNDONE');
  if (!event.step || !counts) return progress;
  const step = stepOf[event.step];
  const state = event.status.toLowerCase() as RotationStepState;
  const targets = event.applicationId ? [event.applicationId.toLowerCase()] : Object.keys(progress.applications);
  const applications = { ...progress.applications };
  for (const id of targets) {
    const steps = applications[id];
    if (steps) applications[id] = { ...steps, [step]: { state, attempt: event.attempt } };
  }
  const failure =
    progress.failure ??
    (event.status === 'FAILED'
      ? { step, code: event.errorCode ?? 'INTERNAL_ERROR', entraCode: event.entraCode, applicationId: event.applicationId }
      : null);
  return { ...progress, applications, failure };
}

/** The step a coded error names, when the progress did not say (the subscription was not available). */
export function failedRotationStep(code: FailureCode): RotationStep | null {
  if (code === 'ROTATION_REGISTRATION_FAILED' || code.startsWith('ENTRA_')) return 'register';
  if (code === 'ROTATION_PROOF_FAILED') return 'prove';
  if (code === 'NETWORK' || code === 'INTERNAL_ERROR') return null;
  // Every other code is a check of the certificate or the applications.
  return 'validate';
}

/**
 * The progress once the mutation has answered — the outcome counts, whatever the subscription
 * delivered: on success every step not reported is done; on failure the failing step is the one the
 * progress named (or the one the code names) and the steps not reached are not done.
 */
export function finishRotation(
  progress: RotationProgress,
  outcome: { kind: 'done' } | { kind: 'failed'; code: FailureCode; entraCode?: string | null },
): RotationProgress {
  const open: RotationStepState[] = ['pending', 'running', 'retrying'];
  if (outcome.kind === 'done') {
    const applications = Object.fromEntries(
      Object.entries(progress.applications).map(([id, steps]) => [
        id,
        Object.fromEntries(
          rotationSteps.map((step) => [step, open.includes(steps[step].state) ? { state: 'done', attempt: null } : steps[step]]),
        ) as Record<RotationStep, StepProgress>,
      ]),
    );
    return { kind: 'done', applications, failure: null };
  }
  const failure = progress.failure ?? {
    step: failedRotationStep(outcome.code),
    code: outcome.code,
    entraCode: outcome.entraCode ?? null,
    applicationId: null,
  };
  const applications = Object.fromEntries(
    Object.entries(progress.applications).map(([id, steps]) => {
      const finished = { ...steps };
      const failsHere = failure.step && (failure.applicationId === null || failure.applicationId.toLowerCase() === id);
      if (failsHere && failure.step && open.includes(finished[failure.step].state)) finished[failure.step] = { state: 'failed', attempt: null };
      for (const step of rotationSteps) if (open.includes(finished[step].state)) finished[step] = { state: 'skipped', attempt: null };
      return [id, finished];
    }),
  );
  return { kind: 'failed', applications, failure };
}

/**
 * One state per step over every application: a failure shows first, then work under way, then what
 * is finished; `done` counts the applications through the step (for bulk updates).
 */
export function overallSteps(
  progress: RotationProgress,
): Record<RotationStep, { state: RotationStepState; done: number; total: number; attempt: number | null }> {
  const all = Object.values(progress.applications);
  const priority: RotationStepState[] = ['failed', 'retrying', 'running', 'undone', 'postponed'];
  return Object.fromEntries(
    rotationSteps.map((step) => {
      const states = all.map((steps) => steps[step]);
      const done = states.filter((candidate) => candidate.state === 'done').length;
      const attempt = Math.max(0, ...states.map((candidate) => candidate.attempt ?? 0)) || null;
      let state: RotationStepState = priority.find((candidate) => states.some((each) => each.state === candidate)) ?? 'pending';
      if (state === 'pending' && states.length > 0 && states.every((each) => each.state === 'done' || each.state === 'skipped')) {
        // A failed bulk update did not get every application through a step some reached.
        const allDone = done === states.length;
        state = allDone || (done > 0 && progress.kind !== 'failed') ? 'done' : 'skipped';
      } else if (state === 'pending' && done > 0) state = 'running';
      return [step, { state, done, total: states.length, attempt }];
    }),
  ) as Record<RotationStep, { state: RotationStepState; done: number; total: number; attempt: number | null }>;
}
