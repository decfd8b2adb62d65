import type { DataSource } from 'typeorm';
import { expect, it } from 'vitest';
import { PUSH_EVENTS } from '../common/event-push.js';
import { createLogger } from '../logging/logger.js';
import { CertificateEventFeedService } from './certificate-event-feed.service.js';
import { CertificateEvent, CertificateEventType } from './certificate-event.entity.js';
import type { EventWakeup } from './event-wakeup.js';

const storedEvent = (position: number) => ({
  position: String(position),
  id: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, position)),
  type: CertificateEventType.STORE_CERTIFICATE_GENERATED,
  organizationId: null,
  applicationIds: [],
  actor: 'tester',
  cloudEvent: { id: `event ${position}`, sequence: String(position) },
});

/** The notice the outbox's SQL writes for a stored event (JSON of its columns), or its position only. */
const noticeOf = (event: ReturnType<typeof storedEvent>, { withEvent = true } = {}) =>
  JSON.stringify(withEvent ? event : { position: event.position });

/**
 * A feed on an outbox that holds `stored` (positions from 1), woken by hand; counts its reads of new
 * events and, unless `subscribed` is false, collects what a live subscription started at once receives.
 */
async function feedOn(
  stored: ReturnType<typeof storedEvent>[],
  tail: number,
  { whileReadingTail, subscribed = true }: { whileReadingTail?: (wake: (payload?: string) => void) => void; subscribed?: boolean } = {},
) {
  let wake: (payload?: string) => void = () => undefined;
  const wakeup: EventWakeup = {
    start: async (callback) => void (wake = callback),
    notifyChannel: null,
    recorded: async () => undefined,
    close: async () => undefined,
  };
  const reads = { count: 0 };
  const query = {
    from: '0',
    where(_condition: string, { tail: from }: { tail: string }) {
      this.from = from;
      return this;
    },
    orderBy() {
      return this;
    },
    limit() {
      return this;
    },
    async getMany() {
      reads.count += 1;
      return stored.filter((event) => BigInt(event.position) > BigInt(this.from)).map((event) => Object.assign(new CertificateEvent(), event));
    },
  };
  const dataSource = {
    query: async () => {
      whileReadingTail?.(wake);
      return [{ last: String(tail) }];
    },
    getRepository: () => ({ createQueryBuilder: () => query }),
  } as unknown as DataSource;
  const feed = new CertificateEventFeedService(dataSource, wakeup, createLogger('silent'));
  await feed.start();
  const received: CertificateEvent[] = [];
  if (subscribed) void collect(feed.subscribe({}), received);
  const settled = () => new Promise((resolve) => setTimeout(resolve, 10));
  return { feed, wake: (payload?: string) => wake(payload), reads, received, settled };
}

async function collect(events: AsyncIterable<CertificateEvent>, into: CertificateEvent[]): Promise<void> {
  for await (const event of events) into.push(event);
}

it('hands out a notified event that follows the last one without reading the outbox, as a read would return it', async () => {
  const events = [1, 2].map(storedEvent);
  const feed = await feedOn(events, 1);
  feed.wake(noticeOf(events[1]!));
  await feed.settled();
  expect(feed.reads.count).toBe(0);
  expect(feed.received).toEqual([Object.assign(new CertificateEvent(), events[1])]);
  expect(feed.received[0]).toBeInstanceOf(CertificateEvent);
  expect(feed.received[0]!.time).toBeInstanceOf(Date);
});

it('reads the outbox after a gap, for a notice without the event, and for a wake-up without a notice', async () => {
  const events = [1, 2, 3, 4, 5].map(storedEvent);
  const feed = await feedOn(events, 1);
  // Event 2 was not notified to this reader (yet): the notice of event 3 leaves a gap.
  feed.wake(noticeOf(events[2]!));
  await feed.settled();
  expect(feed.reads.count).toBe(1);
  expect(feed.received.map((event) => event.position)).toEqual(['2', '3', '4', '5']);

  const more = await feedOn(events, 3);
  more.wake(noticeOf(events[3]!, { withEvent: false }));
  await more.settled();
  more.wake();
  await more.settled();
  expect(more.reads.count).toBe(2);
  expect(more.received.map((event) => event.position)).toEqual(['4', '5']);
});

it('ignores the notice of an event a read already handed out', async () => {
  const events = [1, 2, 3].map(storedEvent);
  const feed = await feedOn(events, 1);
  feed.wake(noticeOf(events[2]!));
  await feed.settled();
  feed.wake(noticeOf(events[1]!));
  feed.wake(noticeOf(events[2]!));
  await feed.settled();
  expect(feed.reads.count).toBe(1);
  expect(feed.received.map((event) => event.position)).toEqual(['2', '3']);
});

it('ends a live subscription that falls more than its buffer behind, after the events it holds', async () => {
  const buffer = 10_000;
  const events = Array.from({ length: buffer + 2 }, (_, index) => storedEvent(index + 1));
  const feed = await feedOn(events, 0);
  const live = feed.feed.subscribe({});
  const first = live.next();
  feed.wake(noticeOf(events[0]!));
  expect((await first).value?.position).toBe('1');
  // Nobody takes the next events for a while.
  for (const event of events.slice(1)) feed.wake(noticeOf(event));
  const positions: string[] = [];
  await expect(
    (async () => {
      for (let next = await live.next(); !next.done; next = await live.next()) positions.push(next.value.position);
    })(),
  ).rejects.toMatchObject({ code: 'EVENT_SUBSCRIBER_BEHIND' });
  expect(positions).toHaveLength(buffer);
  expect(positions.at(-1)).toBe(String(buffer + 1));
});

it('reads the outbox once started when a wake-up came while it read where the log ends (a commit just after that read)', async () => {
  const events = [1, 2].map(storedEvent);
  const feed = await feedOn(events, 1, { whileReadingTail: (wake) => wake(noticeOf(events[1]!)) });
  await feed.settled();
  expect(feed.received.map((event) => event.position)).toEqual(['2']);
});

it('reads nothing for a wake-up while nobody subscribes, wakes the wake-up listeners, and hands a later subscriber only later events', async () => {
  const events = [1, 2, 3].map(storedEvent);
  const feed = await feedOn(events, 1, { subscribed: false });
  let wakes = 0;
  feed.feed.onWake(() => (wakes += 1));
  // A bulk change's notice carries no event: with a subscriber it would be read.
  feed.wake(noticeOf(events[1]!, { withEvent: false }));
  await feed.settled();
  expect(feed.reads.count).toBe(0);
  expect(wakes).toBe(1);

  const received: CertificateEvent[] = [];
  void collect(feed.feed.subscribe({}), received);
  feed.wake(noticeOf(events[2]!));
  await feed.settled();
  expect(feed.reads.count).toBe(0);
  expect(wakes).toBe(2);
  expect(received.map((event) => event.position)).toEqual(['3']);
});

it('pushes live events to a sink as they come, holds them while it pauses, and ends it once', async () => {
  const events = [1, 2, 3, 4, 5].map(storedEvent);
  const feed = await feedOn(events, 0, { subscribed: false });
  const live = feed.feed.subscribe({});
  const received: string[] = [];
  const endings: unknown[] = [];
  let paused = true;
  const resume = live[PUSH_EVENTS]({
    event: (event) => (received.push(event.position), !paused),
    end: (error) => endings.push(error),
  });
  for (const event of events.slice(0, 3)) feed.wake(noticeOf(event));
  // Handed over in the wake-up's own turn, without a promise in between; the rest waits for `resume`.
  expect(received).toEqual(['1']);
  paused = false;
  resume();
  expect(received).toEqual(['1', '2', '3']);
  feed.wake(noticeOf(events[3]!));
  expect(received).toEqual(['1', '2', '3', '4']);
  expect(feed.reads.count).toBe(0);

  await live.return!();
  feed.wake(noticeOf(events[4]!));
  expect(received).toHaveLength(4);
  expect(endings).toEqual([undefined]);
  expect(() => live[PUSH_EVENTS]({ event: () => true, end: () => undefined })).toThrow('one sink');
});
