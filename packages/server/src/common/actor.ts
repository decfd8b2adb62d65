/**
 * Who makes a change. Recorded with every change; it is "system" until operator sign-in exists.
 */
export interface Actor {
  /** Stable identifier, written to history records. */
  readonly id: string;
}

export const systemActor: Actor = Object.freeze({ id: 'system' });
