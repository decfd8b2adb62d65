import { ErrorCode } from '@bam/shared';
import type { DataSource, SelectQueryBuilder } from 'typeorm';
import { type Connection, decodeSequenceCursor, keysetConnection, type PageRequest, pageSize } from '../common/cursor-pagination.js';
import { DomainError } from '../common/domain-error.js';
import { type EventSink, PUSH_EVENTS, type PushedEvents } from '../common/event-push.js';
import { isUuid, normalizeUuid } from '../common/uuid.js';
import type { Logger } from '../logging/logger.js';
import { CertificateEvent, type CertificateEventType } from './certificate-event.entity.js';
import { parseEventNotice } from './event-notice.js';
import type { EventWakeup } from './event-wakeup.js';

/** Which events a reader wants; an empty or missing list means "any". */
export interface CertificateEventFilter {
  /** Only events of these organizations (certificate store events concern none, so they are left out). */
  organizationIds?: readonly string[] | null;
  types?: readonly CertificateEventType[] | null;
}

/** Events read from the outbox per statement when the feed wakes up. */
const FEED_BATCH = 500;
/** Events read per statement while a resuming subscriber catches up. */
const BACKLOG_PAGE = 200;
/** Live events a subscriber may have waiting; past this it is ended (EVENT_SUBSCRIBER_BEHIND) and resumes with `after`. */
const SUBSCRIBER_BUFFER = 10_000;

/**
 * Reads the event log: pages of past events, and live subscriptions that resume after a given event.
 * One reader per process follows the outbox (woken by {@link EventWakeup}) and hands each new event
 * to every subscriber of this process, so live delivery costs one query per wake-up, not per subscriber,
 * and none when the wake-up's notice carries the event that comes next.
 */
export class CertificateEventFeedService {
  /** Position of the last event handed to subscribers (bigint: positions are PostgreSQL bigints). */
  private tail = 0n;
  private started = false;
  /** A wake-up came while starting: what it announced may lie after the end of the log as `start` read it. */
  private wokenWhileStarting = false;
  private reading: Promise<void> | undefined;
  private readAgain = false;
  private readonly listeners = new Set<(event: CertificateEvent, position: bigint) => void>();
  private readonly wakeListeners = new Set<() => void>();
  /**
   * The feed's reads, one at a time. The embedded database's socket server interleaves the protocol
   * messages of concurrent connections (one's Bind can land on another's Parse), and the feed's
   * wake-up reads and the backlog reads of subscribers reconnecting together would otherwise collide.
   */
  private readChain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dataSource: DataSource,
    private readonly wakeup: EventWakeup,
    private readonly logger: Logger,
  ) {}

  /** Listens first, then notes where the log ends: nothing committed in between is missed. */
  async start(): Promise<void> {
    await this.wakeup.start((notice) => this.woken(notice));
    const [{ last }] = (await this.dataSource.query(`SELECT COALESCE(max(position), 0)::text AS last FROM certificate_events`)) as [{ last: string }];
    this.tail = BigInt(last);
    this.started = true;
    if (this.wokenWhileStarting) this.woken();
  }

  async close(): Promise<void> {
    this.started = false;
    await this.wakeup.close();
    await this.reading;
  }

  /**
   * Calls `wake` after every wake-up, when new events may have been committed, without reading them
   * (the webhook dispatcher reads the outbox itself). Returns the function that stops it.
   */
  onWake(wake: () => void): () => void {
    this.wakeListeners.add(wake);
    return () => this.wakeListeners.delete(wake);
  }

  /** Past events, oldest first, one page at a time. */
  async list(filter: CertificateEventFilter, { first, after }: PageRequest): Promise<Connection<CertificateEvent>> {
    const size = pageSize(first);
    const from = after ? decodeSequenceCursor(after) : '0';
    const rows = await this.eventsAfter(filter, from, size + 1);
    return keysetConnection(
      rows,
      size,
      (node) => [node.position],
      () => this.filtered(filter).getCount(),
    );
  }

  /**
   * Live events matching the filter. With `after` (an event id) it first delivers every matching
   * event recorded after that one, then continues live: it listens before reading the backlog and
   * drops what it already delivered (by position), so there is no gap and no duplicate. `scope` is the
   * organizations whose events the subscriber may see (null: every event, the certificate store's too):
   * an `after` outside it is not known to the subscriber (EVENT_NOT_FOUND), as an id nobody recorded.
   *
   * Events are pushed to one sink ({@link PUSH_EVENTS}, as the GraphQL subscriptions take them: no
   * promise per subscriber and event); `next()` pulls them through the same sink, one per call.
   */
  subscribe(
    filter: CertificateEventFilter,
    after?: string | null,
    scope: readonly string[] | null = null,
  ): AsyncIterableIterator<CertificateEvent> & PushedEvents<CertificateEvent> {
    const matches = eventMatcher(filter);
    // Live events the sink could not take yet, with their positions.
    const waiting: { event: CertificateEvent; position: bigint }[] = [];
    let behind = false;
    let ended = false;
    // Position of the last event delivered (set when listening starts).
    let last = 0n;
    let sink: EventSink<CertificateEvent> | undefined;
    // While set, live events wait: the sink asked for a pause, or the backlog is being delivered.
    let held = false;
    // Continues the backlog's delivery when the sink paused it.
    let backlogResumes: (() => void) | undefined;

    const end = (error?: unknown) => {
      if (ended) return;
      ended = true;
      this.listeners.delete(listener);
      backlogResumes?.();
      sink?.end(error);
    };
    // Hands out waiting events until the sink pauses; past the buffer, ends after the events it holds.
    const pump = () => {
      while (!held && !ended) {
        const next = waiting.shift();
        if (!next) {
          if (behind) end(new DomainError(ErrorCode.EVENT_SUBSCRIBER_BEHIND));
          return;
        }
        if (next.position <= last) continue;
        last = next.position;
        held = !sink!.event(next.event);
      }
    };
    const listener = (event: CertificateEvent, position: bigint) => {
      if (!matches(event)) return;
      if (held || waiting.length > 0) {
        if (waiting.length >= SUBSCRIBER_BUFFER) behind = true;
        else waiting.push({ event, position });
        return;
      }
      // The usual case: the sink is ready and nothing waits.
      if (position <= last) return;
      last = position;
      held = !sink!.event(event);
    };
    const deliverBacklog = async (reading: AsyncGenerator<CertificateEvent, void, undefined>) => {
      try {
        for await (const event of reading) {
          if (ended) return;
          last = BigInt(event.position);
          if (sink!.event(event)) continue;
          await new Promise<void>((resolve) => (backlogResumes = resolve));
          backlogResumes = undefined;
          if (ended) return;
        }
      } catch (error) {
        return end(error);
      }
      held = false;
      pump();
    };
    const resume = () => {
      if (backlogResumes) return backlogResumes();
      held = false;
      pump();
    };
    const push = (to: EventSink<CertificateEvent>) => {
      if (sink) throw new Error('A subscription hands its events to one sink');
      sink = to;
      if (ended) {
        to.end();
        return resume;
      }
      // Every event handed to listeners from now on lies after the current tail.
      last = this.tail;
      this.listeners.add(listener);
      if (after != null) {
        held = true;
        void deliverBacklog(this.backlog(filter, after, scope));
      }
      return resume;
    };

    // `next()`: a sink that takes one event per call and pauses until the next call.
    let pulling: { resolve: (result: IteratorResult<CertificateEvent, undefined>) => void; reject: (error: unknown) => void } | undefined;
    let pullResumes: (() => void) | undefined;
    // How the stream ended, until a `next()` call has been told (then: done).
    let outcome: { error?: unknown } | undefined;
    const done: IteratorResult<CertificateEvent, undefined> = { value: undefined, done: true };
    const puller: EventSink<CertificateEvent> = {
      event: (value) => {
        pulling!.resolve({ value, done: false });
        pulling = undefined;
        return false;
      },
      end: (error) => {
        outcome = pulling ? {} : { error };
        if (error === undefined) pulling?.resolve(done);
        else pulling?.reject(error);
        pulling = undefined;
      },
    };

    return {
      [PUSH_EVENTS]: push,
      next: () => {
        if (outcome) {
          const { error } = outcome;
          outcome = {};
          return error === undefined ? Promise.resolve(done) : Promise.reject(error);
        }
        return new Promise((resolve, reject) => {
          pulling = { resolve, reject };
          if (pullResumes) pullResumes();
          else pullResumes = push(puller);
        });
      },
      return: (value?: unknown) => {
        end();
        return Promise.resolve({ value: value as undefined, done: true });
      },
      throw: (error?: unknown) => {
        end();
        return Promise.reject(error);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /**
   * Id of the newest event of these organizations (of any, when null), or null while there is none. A
   * first subscription passes it as `after`: what is recorded after a view was read is then replayed,
   * however late the subscription starts. Each organization's newest comes from `(organization_id, position)`,
   * bounded by a range as in `eventsAfter`: with `organization_id = key` PostgreSQL walks the primary key
   * back through every later event (18 ms at 200,000 events, against 0.06 ms).
   */
  async newestEventId(organizationIds: readonly string[] | null): Promise<string | null> {
    const [row] = (await (organizationIds === null
      ? this.dataSource.query(`SELECT id FROM certificate_events ORDER BY position DESC LIMIT 1`)
      : this.dataSource.query(
          `SELECT newest.id FROM unnest(CAST($1 AS uuid[])) AS wanted (key)
           CROSS JOIN LATERAL (
             SELECT listed.id, listed.position FROM certificate_events listed
             WHERE listed.organization_id >= wanted.key AND listed.organization_id <= wanted.key
             ORDER BY listed.organization_id DESC, listed.position DESC LIMIT 1
           ) AS newest
           ORDER BY newest.position DESC LIMIT 1`,
          [organizationUuids(organizationIds)],
        ))) as { id: string }[];
    return row?.id ?? null;
  }

  /**
   * Position of the newest event this server has read from the log ("0" while there is none): it and
   * every event before it are committed (positions follow commit order), so a read that starts after
   * this call sees all of their changes. Later events count once their wake-up has been read, moments
   * after their commit. Kept in memory: no statement.
   */
  committedPosition(): string {
    return this.tail.toString();
  }

  /** The matching events recorded after the event `after` (one of `scope`'s), read in pages. */
  private async *backlog(
    filter: CertificateEventFilter,
    after: string,
    scope: readonly string[] | null,
  ): AsyncGenerator<CertificateEvent, void, undefined> {
    let from = (await this.positionOf(after, scope)).toString();
    for (;;) {
      const page = await this.oneAtATime(() => this.eventsAfter(filter, from, BACKLOG_PAGE));
      yield* page;
      if (page.length < BACKLOG_PAGE) return;
      from = page.at(-1)!.position;
    }
  }

  private async positionOf(eventId: string, scope: readonly string[] | null): Promise<bigint> {
    const row = isUuid(eventId)
      ? await this.oneAtATime(() =>
          this.dataSource
            .getRepository(CertificateEvent)
            .findOne({ where: { id: normalizeUuid(eventId) }, select: { position: true, organizationId: true } }),
        )
      : null;
    // Events of organizations outside the scope, and the store's (of none), do not exist for the subscriber.
    const visible = row && (scope === null || (row.organizationId !== null && scope.includes(row.organizationId)));
    if (!visible) throw new DomainError(ErrorCode.EVENT_NOT_FOUND, [eventId]);
    return BigInt(row.position);
  }

  /** The matching events, for their count. */
  private filtered({ organizationIds, types }: CertificateEventFilter): SelectQueryBuilder<CertificateEvent> {
    const query = this.dataSource.getRepository(CertificateEvent).createQueryBuilder('event');
    if (organizationIds?.length)
      query.andWhere('event.organizationId = ANY(CAST(:organizationIds AS uuid[]))', { organizationIds: organizationUuids(organizationIds) });
    if (types?.length) query.andWhere('event.type = ANY(CAST(:types AS text[]))', { types });
    return query;
  }

  /**
   * The first `limit` matching events after position `from`, oldest first. Filtered, the positions are
   * each key's next ones, merged: an organization's on `(organization_id, position)`, a type's on
   * `(type, position)`, and with both filters each organization and type pair's on
   * `(organization_id, type, position)`. A plain `organization_id = ANY(…) ORDER BY position` walks the
   * primary key through every later event when an organization has few or none (92 ms at 200,000
   * events), a rare type scanned them all, and a rare type of one organization read all of the
   * organization's. A single key is bounded by a range on the pair, which means
   * `organization_id = organization.id AND position > from`: with that equality written as such
   * PostgreSQL drops the key from the order and walks the primary key again. A pair keeps its
   * equalities: with them the three-column index alone gives both the range and the order.
   */
  private eventsAfter({ organizationIds, types }: CertificateEventFilter, from: string, limit: number): Promise<CertificateEvent[]> {
    const query = this.dataSource
      .getRepository(CertificateEvent)
      .createQueryBuilder('event')
      .where('event.position > :from')
      .orderBy('event.position', 'ASC')
      .limit(limit)
      .setParameters({ from, limit, types, organizationIds: organizationIds && organizationUuids(organizationIds) });
    const [byOrganization, byType] = [Boolean(organizationIds?.length), Boolean(types?.length)];
    if (!byOrganization && !byType) return query.getMany();
    const next =
      byOrganization && byType
        ? NEXT_OF_EACH_ORGANIZATION_AND_TYPE
        : byOrganization
          ? nextOfEachKey('organization_id', 'CAST(:organizationIds AS uuid[])')
          : nextOfEachKey('type', 'CAST(:types AS text[])');
    return query.andWhere(`event.position IN (${next} ORDER BY next.position LIMIT :limit)`).getMany();
  }

  /** A wake-up from the database: something may have been committed. */
  private woken(notice?: string): void {
    if (!this.started) {
      this.wokenWhileStarting = true;
      return;
    }
    for (const wake of this.wakeListeners) wake();
    this.wake(notice);
  }

  /** Reads what follows the tail, once, however many wake-ups came meanwhile. */
  private wake(notice?: string): void {
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    if (notice !== undefined && this.deliverNotified(notice)) return;
    this.reading = this.readNew()
      .catch((error: unknown) => this.logger.error({ err: error }, 'reading new certificate events failed'))
      .finally(() => {
        this.reading = undefined;
        if (this.readAgain) {
          this.readAgain = false;
          this.wake();
        }
      });
  }

  /**
   * Hands out the notified event when it is the one after the tail (notifications come in commit order,
   * and positions follow it). False when the outbox must be read: a gap, or a notice without the event.
   */
  private deliverNotified(payload: string): boolean {
    const notice = parseEventNotice(payload);
    if (!notice) return false;
    // A read already handed it out.
    if (notice.position <= this.tail) return true;
    // No subscriber: only the tail moves (a bulk change's event is ~100 kB to read back for nobody).
    if (this.listeners.size === 0) {
      this.tail = notice.position;
      return true;
    }
    if (notice.position !== this.tail + 1n || !notice.event) return false;
    this.handOut(Object.assign(new CertificateEvent(), notice.event));
    return true;
  }

  private handOut(event: CertificateEvent): void {
    const position = BigInt(event.position);
    this.tail = position;
    for (const listener of this.listeners) listener(event, position);
  }

  private oneAtATime<T>(read: () => Promise<T>): Promise<T> {
    const result = this.readChain.then(read);
    this.readChain = result.catch(() => undefined);
    return result;
  }

  private async readNew(): Promise<void> {
    for (;;) {
      const tail = this.tail.toString();
      const rows = await this.oneAtATime(() =>
        this.dataSource
          .getRepository(CertificateEvent)
          .createQueryBuilder('event')
          .where('event.position > :tail', { tail })
          .orderBy('event.position', 'ASC')
          .limit(FEED_BATCH)
          .getMany(),
      );
      for (const event of rows) this.handOut(event);
      if (rows.length < FEED_BATCH) return;
    }
  }
}

/** The organization ids that can match: anything but a UUID names none. */
function organizationUuids(organizationIds: readonly string[]): string[] {
  return organizationIds.filter(isUuid).map(normalizeUuid);
}

function eventMatcher({ organizationIds, types }: CertificateEventFilter): (event: CertificateEvent) => boolean {
  const organizations = organizationIds?.length ? new Set(organizationUuids(organizationIds)) : null;
  const wanted = types?.length ? new Set(types) : null;
  return (event) =>
    (!organizations || (event.organizationId !== null && organizations.has(event.organizationId))) && (!wanted || wanted.has(event.type));
}

/** The next `:limit` positions after `:from` of each organization and type pair (see `eventsAfter`). */
const NEXT_OF_EACH_ORGANIZATION_AND_TYPE = `SELECT next.position FROM unnest(CAST(:organizationIds AS uuid[])) AS organization (id)
  CROSS JOIN unnest(CAST(:types AS text[])) AS kind (type)
  CROSS JOIN LATERAL (
    SELECT listed.position FROM certificate_events listed
    WHERE listed.organization_id = organization.id AND listed.type = kind.type AND listed.position > :from
    ORDER BY listed.position LIMIT :limit
  ) AS next`;

/** The next `:limit` positions after `:from` of each of `keys` in `column`, on `(column, position)` (see `eventsAfter`). */
function nextOfEachKey(column: 'organization_id' | 'type', keys: string): string {
  return `SELECT next.position FROM unnest(${keys}) AS wanted (key)
  CROSS JOIN LATERAL (
    SELECT listed.position FROM certificate_events listed
    WHERE listed.${column} <= wanted.key AND (listed.${column}, listed.position) > (wanted.key, :from)
    ORDER BY listed.${column}, listed.position LIMIT :limit
  ) AS next`;
}
