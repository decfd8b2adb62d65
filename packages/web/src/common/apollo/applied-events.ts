import { ApolloLink } from '@apollo/client';
import { OperationTypeNode } from 'graphql';
import { mergeMap, type Observable, of, timer } from 'rxjs';
import type { InjectionKey } from 'vue';

/**
 * Where the server's answer to a query says which certificate events it includes: the position of the
 * newest event the server knew committed before the query read (a decimal number, as text; see the README's
 * "Using the API").
 */
const EVENT_POSITION_EXTENSION = 'certificateEventPosition';

/**
 * The wait before asking again the second time and after: one asking again is enough on a single instance; more
 * means an instance whose feed is behind, which is not hammered meanwhile. After the last (about 9 s in all) its
 * answer is delivered: a view that stays loading would be worse than one that may be a change behind.
 */
const ASK_AGAIN_DELAYS_MS = [100, 200, 400, 800, 1_600, 2_000, 2_000, 2_000];

/**
 * The newest certificate event the console has applied to its cache, and the link that keeps answers
 * read before it away from the views. A request sent before a change but answered after its event was
 * applied in place would put the old state back for a moment; the link sends the query again instead,
 * and the views get the answer that read the server after the event. Each answer is judged as it
 * arrives, so one that overtook an event still on its way through the feed is delivered. Identical
 * queries in flight share one request (Apollo's deduplication, above the links): a refetch that joins
 * an old request gets the answer asked again too. A server instance whose feed has not read the event yet
 * (another one than the feed's, moments behind) answers with an older position until it has: it is asked again at
 * a widening interval (`ASK_AGAIN_DELAYS_MS`), and its answer delivered after the last.
 */
export class AppliedEvents {
  private newest = 0n;
  /** How many times events were missed: a request sent before the last time is answered from before them. */
  private misses = 0;

  /** The event at this position (its `position`) is being applied to the cache. */
  applied(position: string): void {
    const applied = BigInt(position);
    if (applied > this.newest) this.newest = applied;
  }

  /** Events were missed and their positions are unknown: every query on its way is asked again, as the views are read again. */
  missed(): void {
    this.misses += 1;
  }

  readonly link = new ApolloLink((operation, forward) => {
    // Queries only: sending a mutation again would repeat the change.
    if (operation.operationType !== OperationTypeNode.QUERY) return forward(operation);
    const ask = (again: number): Observable<ApolloLink.Result> => {
      const sentAfterMisses = this.misses;
      const askAgain = (result: ApolloLink.Result) => {
        if (again === 0) return ask(1);
        const delay = ASK_AGAIN_DELAYS_MS[again - 1];
        return delay === undefined ? of(result) : timer(delay).pipe(mergeMap(() => ask(again + 1)));
      };
      // `forward` again on each try: the next link may answer once only (an early request's answer).
      return forward(operation).pipe(mergeMap((result) => (this.readBefore(result, sentAfterMisses) ? askAgain(result) : of(result))));
    };
    return ask(0);
  });

  /** The answer read the server before the newest event applied, or was asked for before events were missed. */
  private readBefore(result: ApolloLink.Result, sentAfterMisses: number): boolean {
    if (sentAfterMisses < this.misses) return true;
    // One without a position (not a query's answer from the server's HTTP API) cannot be judged.
    const position: unknown = result.extensions?.[EVENT_POSITION_EXTENSION];
    return typeof position === 'string' && /^\d+$/.test(position) && BigInt(position) < this.newest;
  }
}

/** The console's {@link AppliedEvents}: its Apollo client's link, which the live feed tells of each event. */
export const appliedEventsKey: InjectionKey<AppliedEvents> = Symbol('AppliedEvents');
