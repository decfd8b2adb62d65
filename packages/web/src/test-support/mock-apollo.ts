import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client';
import { Observable } from 'rxjs';
import { apolloClientKey } from '../common/apollo/apollo-client-key.js';

export interface RecordedOperation {
  operationName: string;
  variables: Record<string, unknown>;
  /** The abort signal the caller gave the request (`context.fetchOptions.signal`), if any. */
  signal?: AbortSignal;
}

/** Answers an operation: its `data`, a {@link MockStream} (subscriptions), or a thrown error to simulate a network failure. */
export type OperationHandler = (variables: Record<string, unknown>) => unknown;

/** A subscription's results, pushed by the test while the component listens. */
export class MockStream {
  private readonly observers = new Set<{ next(value: { data: Record<string, unknown> }): void; complete(): void }>();

  /** Whether a component is subscribed now. */
  get subscribed(): boolean {
    return this.observers.size > 0;
  }

  push(data: Record<string, unknown>): void {
    for (const observer of this.observers) observer.next({ data });
  }

  /** The last result: ends the operation (a mutation answered through a stream resolves now). */
  end(data: Record<string, unknown>): void {
    for (const observer of this.observers) {
      observer.next({ data });
      observer.complete();
    }
  }

  attach(observer: { next(value: { data: Record<string, unknown> }): void; complete(): void }): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }
}

export interface MockApolloOptions {
  cache?: InMemoryCache;
  /** The console's own links to pass each operation through before it is answered. */
  links?: ApolloLink[];
  /** The `extensions` of each answer, taken when its handler reads the mocked server's state. */
  extensions?: () => Record<string, unknown>;
}

/**
 * An Apollo client whose link answers each operation by name from `handlers`, recording what was
 * sent — component tests mock each operation separately, with a real cache in between (the console's
 * own, from `createCache()`, where type policies matter).
 */
export function mockApolloClient(
  handlers: Record<string, OperationHandler>,
  { cache = new InMemoryCache(), links = [], extensions }: MockApolloOptions = {},
) {
  const operations: RecordedOperation[] = [];
  const answers = new ApolloLink(
    (operation) =>
      new Observable((observer) => {
        const { fetchOptions } = operation.getContext() as { fetchOptions?: { signal?: AbortSignal } };
        operations.push({ operationName: operation.operationName ?? '', variables: operation.variables, signal: fetchOptions?.signal });
        const handler = handlers[operation.operationName ?? ''];
        let detach = () => undefined as unknown;
        // Answer on a later task, as a server would.
        const timer = setTimeout(() => {
          try {
            if (!handler) throw new Error(`no mock for ${operation.operationName}`);
            const answer = handler(operation.variables);
            const extra = extensions ? { extensions: extensions() } : {};
            if (answer instanceof MockStream) {
              detach = answer.attach({ next: (value) => observer.next({ ...value, ...extra }), complete: () => observer.complete() });
              return;
            }
            observer.next({ data: answer as Record<string, unknown>, ...extra });
            observer.complete();
          } catch (error) {
            observer.error(error);
          }
        }, 0);
        return () => {
          clearTimeout(timer);
          detach();
        };
      }),
  );
  const client = new ApolloClient({ link: ApolloLink.from([...links, answers]), cache });
  // `handlers` is read at each request: a test may replace one midway.
  return { client, operations, handlers, provide: { [apolloClientKey as symbol]: client } };
}

/** Waits until `check` passes (or fails after `timeout` ms), flushing Vue and the mocked link in between. */
export async function eventually(check: () => void, timeout = 2000): Promise<void> {
  const start = Date.now();
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() - start > timeout) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
