/** One request the emulator answered, as tests count them: never its headers or body (tokens, certificates, proofs). */
export interface LoggedRequest {
  method: string;
  path: string;
  /** The query string, percent-decoded (`?$filter=appId eq '…'`), or empty. */
  query: string;
  status: number;
}

/** The last requests kept: the log serves tests, and a long-running emulator (the demo) must not grow without bound. */
const MAX_LOGGED_REQUESTS = 10_000;

/** The Entra and Graph requests the emulator answered, oldest first, so tests can assert how many calls a workflow makes. */
export class RequestLog {
  private entries: LoggedRequest[] = [];

  record(entry: LoggedRequest): void {
    this.entries.push(entry);
    if (this.entries.length > MAX_LOGGED_REQUESTS) this.entries.splice(0, this.entries.length - MAX_LOGGED_REQUESTS);
  }

  list(): LoggedRequest[] {
    return this.entries.map((entry) => ({ ...entry }));
  }

  clear(): void {
    this.entries = [];
  }
}
