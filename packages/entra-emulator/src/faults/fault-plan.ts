/** Which side of the emulator a fault hits: the token endpoint or Graph. */
export type FaultTarget = 'token' | 'graph';

/** A transient failure answered instead of the next `count` matching requests. */
export type TransientFault =
  | { kind: 'throttle'; target: FaultTarget; count: number; retryAfterSeconds: number; pathContains?: string }
  | { kind: 'serverError'; target: FaultTarget; count: number; status: 500 | 502 | 503 | 504; pathContains?: string };

export interface FaultSettings {
  /** A key added through Graph is refused by the token endpoint until this many ms have passed. */
  keyReplicationDelayMs: number;
  /** Lifetime of the access tokens issued; shorten it to test token expiry. */
  accessTokenLifetimeSeconds: number;
}

export const defaultFaultSettings: FaultSettings = { keyReplicationDelayMs: 0, accessTokenLifetimeSeconds: 3599 };

export class FaultError extends Error {}

/** The failures the tests ask for. Permissions are revoked on the directory itself (see the admin API). */
export class FaultPlan {
  private faults: TransientFault[] = [];
  settings: FaultSettings = { ...defaultFaultSettings };

  inject(fault: TransientFault): void {
    // Faults arrive as JSON through the admin endpoint too: check every field.
    if (fault.kind !== 'throttle' && fault.kind !== 'serverError') throw new FaultError("fault.kind must be 'throttle' or 'serverError'");
    if (fault.target !== 'token' && fault.target !== 'graph') throw new FaultError("fault.target must be 'token' or 'graph'");
    if (!Number.isInteger(fault.count) || fault.count < 1) throw new FaultError('fault.count must be a positive integer');
    if (fault.kind === 'throttle' && !(Number.isInteger(fault.retryAfterSeconds) && fault.retryAfterSeconds >= 0)) {
      throw new FaultError('fault.retryAfterSeconds must be a non-negative integer');
    }
    if (fault.kind === 'serverError' && ![500, 502, 503, 504].includes(fault.status))
      throw new FaultError('fault.status must be 500, 502, 503 or 504');
    this.faults.push({ ...fault });
  }

  configure(settings: Partial<FaultSettings>): void {
    for (const [name, value] of Object.entries(settings)) {
      if (!(name in defaultFaultSettings)) throw new FaultError(`Unknown setting '${name}'`);
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new FaultError(`Setting '${name}' must be a non-negative number`);
    }
    this.settings = { ...this.settings, ...settings };
  }

  reset(): void {
    this.faults = [];
    this.settings = { ...defaultFaultSettings };
  }

  pending(): TransientFault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  /** The fault to answer this request with, if one is armed for it; each use spends one of its count. */
  take(target: FaultTarget, pathname: string): TransientFault | undefined {
    const fault = this.faults.find(
      (candidate) => candidate.target === target && (!candidate.pathContains || pathname.includes(candidate.pathContains)),
    );
    if (!fault) return undefined;
    fault.count -= 1;
    if (fault.count === 0) this.faults = this.faults.filter((candidate) => candidate !== fault);
    return { ...fault };
  }
}
