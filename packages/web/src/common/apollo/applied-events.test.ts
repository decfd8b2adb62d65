import { ApolloLink, gql } from '@apollo/client';
import { execute } from '@apollo/client/link';
import { Observable } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppliedEvents } from './applied-events.js';

const QUERY = gql`
  query Organizations {
    organizations {
      totalCount
    }
  }
`;

/** A server answering each request a moment later, reporting the event position it has read so far. */
function serverAt(position: () => string) {
  let requests = 0;
  const link = new ApolloLink(
    () =>
      new Observable<ApolloLink.Result>((observer) => {
        requests += 1;
        const answer = setTimeout(() => {
          observer.next({ data: { organizations: { totalCount: 1 } }, extensions: { certificateEventPosition: position() } });
          observer.complete();
        }, 1);
        return () => clearTimeout(answer);
      }),
  );
  return { link, requests: () => requests };
}

describe('AppliedEvents', () => {
  afterEach(() => vi.useRealTimers());

  it('asks an instance whose feed is behind again at a widening interval, then delivers its answer once it has caught up', async () => {
    vi.useFakeTimers();
    const applied = new AppliedEvents();
    applied.applied('7');
    // Another instance behind the load balancer has not read event 7 yet (its listening connection is reconnecting).
    let serverPosition = '6';
    const server = serverAt(() => serverPosition);
    const answers: unknown[] = [];
    execute(ApolloLink.from([applied.link, server.link]), { query: QUERY }, { client: {} as never }).subscribe((result) => answers.push(result.data));

    await vi.advanceTimersByTimeAsync(2_000);
    // Asked again, but not in a tight loop against a server that keeps answering from before the event.
    expect(server.requests()).toBeGreaterThan(2);
    expect(server.requests()).toBeLessThan(12);
    expect(answers).toEqual([]);

    serverPosition = '7';
    await vi.advanceTimersByTimeAsync(5_000);
    expect(answers).toEqual([{ organizations: { totalCount: 1 } }]);
  });

  it('delivers the answer of an instance that stays behind after about ten seconds of asking, rather than never', async () => {
    vi.useFakeTimers();
    const applied = new AppliedEvents();
    applied.applied('7');
    // Its feed never reads event 7 (its listening connection is lost for good): the view must not stay loading.
    const server = serverAt(() => '6');
    const answers: unknown[] = [];
    execute(ApolloLink.from([applied.link, server.link]), { query: QUERY }, { client: {} as never }).subscribe((result) => answers.push(result.data));

    await vi.advanceTimersByTimeAsync(5_000);
    expect(answers).toEqual([]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(answers).toEqual([{ organizations: { totalCount: 1 } }]);
    const asked = server.requests();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(server.requests()).toBe(asked);
  });
});
