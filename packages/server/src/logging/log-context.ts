import { AsyncLocalStorage } from 'node:async_hooks';

/** What the logger adds to every line written while one HTTP request, or one WebSocket operation, is handled. */
export interface LogContext {
  requestId: string;
}

const current = new AsyncLocalStorage<LogContext>();

/** Runs `work`, and everything it starts, with `context` on every log line it writes. */
export function runWithLogContext<Result>(context: LogContext, work: () => Result): Result {
  return current.run(context, work);
}

/** The context of the request or operation being handled, if any. */
export function currentLogContext(): LogContext | undefined {
  return current.getStore();
}
