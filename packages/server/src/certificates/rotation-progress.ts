import { EventEmitter, on } from 'node:events';
import { ErrorCode } from '@bam/shared';
import { registerEnumType } from 'type-graphql';
import type { DataSource } from 'typeorm';
import type { Actor } from '../common/actor.js';
import { DomainError } from '../common/domain-error.js';
import type { DatabaseNotifications } from '../database/database-notifications.js';
import { isUuid } from '../common/uuid.js';
import { EntraError } from '../entra/entra-directory.js';
import type { Logger } from '../logging/logger.js';

/** The steps of a certificate update on Entra, in order, as the console shows them. */
export enum RotationStep {
  VALIDATE = 'VALIDATE',
  REGISTER = 'REGISTER',
  PROVE = 'PROVE',
  SWITCH = 'SWITCH',
  REMOVE_OLD_KEY = 'REMOVE_OLD_KEY',
}

export enum RotationStepStatus {
  LISTENING = 'LISTENING',
  RUNNING = 'RUNNING',
  RETRYING = 'RETRYING',
  DONE = 'DONE',
  SKIPPED = 'SKIPPED',
  FAILED = 'FAILED',
  UNDONE = 'UNDONE',
  POSTPONED = 'POSTPONED',
}

registerEnumType(RotationStep, {
  name: 'RotationStep',
  description: 'A step of a certificate update on an organization connected to Microsoft Entra.',
  valuesConfig: {
    VALIDATE: { description: 'The certificate and the applications are checked (PFX read, validity, conflicts).' },
    REGISTER: { description: "The new key is registered on the Entra application's keyCredentials." },
    PROVE: { description: 'The application signs in with the new key (retried while Entra replicates it).' },
    SWITCH: { description: 'This server switches the applications to the new certificate and records the change.' },
    REMOVE_OLD_KEY: { description: 'The old key is removed from the Entra application.' },
  },
});

registerEnumType(RotationStepStatus, {
  name: 'RotationStepStatus',
  description: 'Where a rotation step stands.',
  valuesConfig: {
    LISTENING: { description: 'First message of every subscription, with no step: progress is now delivered, send the mutation.' },
    RUNNING: { description: 'The step has started.' },
    RETRYING: { description: 'Entra refused the sign-in with the new key (`entraCode`); retried while Entra replicates it (`attempt`).' },
    DONE: { description: 'The step succeeded.' },
    SKIPPED: { description: 'The step does not apply (registration skipped by request, old key kept or absent).' },
    FAILED: { description: 'The step failed (`errorCode`, `entraCode`): the update changes nothing and the new keys are withdrawn.' },
    UNDONE: { description: 'Rolled back after a failure: the new key registered by this update was withdrawn from Entra.' },
    POSTPONED: { description: 'The old key could not be removed now (the update stands); the server tries again in the background.' },
  },
});

/** One step transition of one operation, as published to subscribers (on any instance). */
export interface RotationProgressEvent {
  operationId: string;
  /** Only the actor who started the operation receives its progress. */
  actorId: string;
  organizationId: string;
  /** Null: the step concerns every application of the operation (validation), or no step at all (LISTENING). */
  applicationId: string | null;
  step: RotationStep | null;
  status: RotationStepStatus;
  attempt: number | null;
  errorCode: ErrorCode | null;
  entraCode: string | null;
  at: string;
}

export interface StepReport {
  step: RotationStep;
  status: RotationStepStatus;
  applicationId?: string | null;
  attempt?: number;
  /** For FAILED and POSTPONED: the error, whose code and Entra code are published (never its message). */
  error?: unknown;
  /** The code to publish when the error has none of its own (an Entra failure at a given step). */
  errorCode?: ErrorCode;
  /** Entra's code when there is no error object (a refusal that is retried). */
  entraCode?: string;
}

/** Reports the steps of one update as they happen; reporting never fails the update. */
export interface RotationProgress {
  report(step: StepReport): void;
  /** Whether validation has passed (a later failure belongs to another step). */
  validated: boolean;
}

export const silentProgress: RotationProgress = { report: () => undefined, validated: false };

/**
 * Carries progress from the instance that runs an update to the instances where its subscribers are.
 * On PostgreSQL a NOTIFY with the transition as payload (sent outside any transaction, so it arrives at
 * once, to every instance behind a load balancer); on the embedded database, which one process owns,
 * an in-process emitter. Progress is advisory: the mutation answers with the outcome, and `key_rotations`
 * keeps the durable record.
 */
export interface RotationProgressBus {
  start(): Promise<void>;
  publish(event: RotationProgressEvent): void;
  readonly emitter: EventEmitter;
  close(): Promise<void>;
}

const PROGRESS_EVENT = 'progress';
export const ROTATION_PROGRESS_CHANNEL = 'certificate_rotation_progress';

export class InProcessProgressBus implements RotationProgressBus {
  readonly emitter = new EventEmitter().setMaxListeners(0);

  async start(): Promise<void> {}

  publish(event: RotationProgressEvent): void {
    this.emitter.emit(PROGRESS_EVENT, event);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

export class PostgresProgressBus implements RotationProgressBus {
  readonly emitter = new EventEmitter().setMaxListeners(0);
  /** NOTIFYs go one after another: sent on different pool connections they could arrive out of order. */
  private sending: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dataSource: DataSource,
    private readonly notifications: DatabaseNotifications,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.notifications.listen(ROTATION_PROGRESS_CHANNEL, (payload) => {
      // A wake-up without payload follows a reconnection: progress sent meanwhile is lost, the outcome is not.
      if (payload) this.emitter.emit(PROGRESS_EVENT, JSON.parse(payload) as RotationProgressEvent);
    });
  }

  publish(event: RotationProgressEvent): void {
    this.sending = this.sending
      .then(() => this.dataSource.query(`SELECT pg_notify($1, $2)`, [ROTATION_PROGRESS_CHANNEL, JSON.stringify(event)]))
      .catch((error: unknown) => this.logger.warn({ err: error, operationId: event.operationId }, 'could not publish rotation progress'));
  }

  async close(): Promise<void> {
    await this.sending;
    this.notifications.stopListening(ROTATION_PROGRESS_CHANNEL);
    this.emitter.removeAllListeners();
  }
}

/** Progress of certificate updates: reporters for the updates, live streams for their subscribers. */
export class RotationProgressService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: RotationProgressBus,
  ) {}

  /** A reporter for one update; silent without an operation id (clients that do not follow progress). */
  reporter(operationId: string | null | undefined, actor: Actor, organizationId: string): RotationProgress {
    if (!operationId) return silentProgress;
    checkOperationId(operationId);
    const bus = this.bus;
    return {
      validated: false,
      report({ step, status, applicationId = null, attempt, error, errorCode, entraCode }) {
        if (step === RotationStep.VALIDATE && status === RotationStepStatus.DONE) this.validated = true;
        const failed = status === RotationStepStatus.FAILED || status === RotationStepStatus.POSTPONED;
        bus.publish({
          operationId: operationId.toLowerCase(),
          actorId: actor.id,
          organizationId,
          applicationId,
          step,
          status,
          attempt: attempt ?? null,
          errorCode: failed ? (error instanceof DomainError ? error.code : (errorCode ?? ErrorCode.INTERNAL_ERROR)) : null,
          entraCode: entraCode ?? (error instanceof EntraError ? error.entraCode : null),
          at: new Date().toISOString(),
        });
      },
    };
  }

  /**
   * The operation's progress for the actor who started it: first LISTENING (from then on nothing is
   * missed), then each transition. Refused (FORBIDDEN) when the operation's rotations were started by
   * someone else; transitions of anyone else's update with the same id are never delivered.
   */
  async watch(operationId: string, actor: Actor, signal: AbortSignal): Promise<AsyncIterableIterator<RotationProgressEvent>> {
    checkOperationId(operationId);
    const id = operationId.toLowerCase();
    const others: unknown[] = await this.dataSource.query(`SELECT 1 FROM key_rotations WHERE batch_id = $1 AND started_by <> $2 LIMIT 1`, [
      id,
      actor.id,
    ]);
    if (others.length > 0) throw new DomainError(ErrorCode.FORBIDDEN, [operationId]);

    const stop = new AbortController();
    signal.addEventListener('abort', () => stop.abort(), { once: true });
    // Listening starts here, before LISTENING is delivered.
    const events = on(this.bus.emitter, PROGRESS_EVENT, { signal: stop.signal }) as AsyncIterableIterator<[RotationProgressEvent]>;
    const stream = (async function* () {
      yield listening(id, actor);
      try {
        for await (const [event] of events) {
          if (event.operationId === id && event.actorId === actor.id) yield event;
        }
      } catch (error) {
        if (!stop.signal.aborted) throw error;
      }
    })();
    const iterator: AsyncIterableIterator<RotationProgressEvent> = {
      next: () => stream.next(),
      // A generator cannot be returned while it awaits: end the wait first.
      return: (value?: unknown) => {
        stop.abort();
        return stream.return(value as undefined);
      },
      throw: (error?: unknown) => {
        stop.abort();
        return stream.throw(error);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return iterator;
  }
}

function checkOperationId(operationId: string): void {
  if (!isUuid(operationId)) throw new DomainError(ErrorCode.OPERATION_ID_INVALID, [operationId]);
}

function listening(operationId: string, actor: Actor): RotationProgressEvent {
  return {
    operationId,
    actorId: actor.id,
    organizationId: '',
    applicationId: null,
    step: null,
    status: RotationStepStatus.LISTENING,
    attempt: null,
    errorCode: null,
    entraCode: null,
    at: new Date().toISOString(),
  };
}
