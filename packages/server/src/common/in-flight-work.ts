/** One piece of work under way; `name` may be made more precise once known (an HTTP request's GraphQL operation). */
export interface InFlightEntry {
  name: string;
  /** Marks the work finished; calling it again does nothing. */
  end(): void;
}

/**
 * The work a stopping server waits for: requests and GraphQL operations under way. Names are what the
 * log may show of work cut by the shutdown timeout — operation names, never variables.
 */
export class InFlightWork {
  private readonly entries = new Set<InFlightEntry>();
  private idleWaiters: (() => void)[] = [];

  begin(name: string): InFlightEntry {
    const entry: InFlightEntry = {
      name,
      end: () => {
        if (!this.entries.delete(entry) || this.entries.size > 0) return;
        for (const resolve of this.idleWaiters.splice(0)) resolve();
      },
    };
    this.entries.add(entry);
    return entry;
  }

  /** The names of the work still under way, sorted. */
  names(): string[] {
    return [...this.entries].map((entry) => entry.name).sort();
  }

  /** Resolves once nothing is under way (at once if nothing is). */
  idle(): Promise<void> {
    if (this.entries.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
