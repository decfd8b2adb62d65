import { randomUUID } from 'node:crypto';
import { CloudEvent, V1 } from 'cloudevents';
import type { EntityManager } from 'typeorm';
import { cloudEventTypes } from './certificate-event.entity.js';
import type { NewCertificateEvent } from './certificate-events.js';
import { EVENT_NOTICE_SQL } from './event-notice.js';
import type { EventWakeup } from './event-wakeup.js';

/**
 * Transaction-level advisory lock taken by every event writer until its commit. It makes positions
 * follow commit order: without it a transaction could commit position 5 after a reader has passed 6,
 * and resuming "after 6" would skip it. Writers of events serialize only from recording to commit.
 */
const OUTBOX_LOCK_KEY = '7310869433107203157';

/** CloudEvents `source` of organization events, and of certificate store events. */
export const organizationSource = (organizationId: string) => `/organizations/${organizationId}`;
export const STORE_SOURCE = '/certificate-store';

/**
 * From this many applications on, an event whose change's audit entry lists the same applications
 * stores them only there (see the `certificate_event_log` migration). Smaller events keep their own
 * list: they ride whole in their notice, which is built from the stored row.
 */
export const APPLICATIONS_LISTED_ONCE_FROM = 50;

export interface RecordOptions {
  /** The change's audit entry, when its `details.applications` lists the event's applications in the same order. */
  applicationsAuditEntryId?: string;
}

/** Writes events into the outbox inside the caller's transaction: committed with the change, or not at all. */
export class EventOutboxService {
  constructor(private readonly wakeup: EventWakeup) {}

  /**
   * Records one event in the transaction of `manager` (it must be a transaction's manager, so the
   * event commits or rolls back with the change). Call it after the change's own writes and locks.
   */
  async record(manager: EntityManager, event: NewCertificateEvent, { applicationsAuditEntryId }: RecordOptions = {}): Promise<void> {
    if (!manager.queryRunner?.isTransactionActive) throw new Error('Events are recorded inside the transaction of the change they report');
    const listedInAuditEntry = applicationsAuditEntryId !== undefined && event.applicationIds.length >= APPLICATIONS_LISTED_ONCE_FROM;
    const id = randomUUID();
    const time = new Date();
    const cloudEvent = new CloudEvent({
      specversion: V1,
      id,
      type: cloudEventTypes[event.type],
      source: event.organizationId ? organizationSource(event.organizationId) : STORE_SOURCE,
      ...(event.subject ? { subject: event.subject } : {}),
      time: time.toISOString(),
      datacontenttype: 'application/json',
      data: listedInAuditEntry ? withoutApplications(event.data) : event.data,
    });
    // One round trip: take the lock, then the position, store the event with the position as its
    // CloudEvents "sequence" extension (so receivers can order and de-duplicate), and send its notice.
    const channel = this.wakeup.notifyChannel;
    await manager.query(
      `WITH recorded AS (
         INSERT INTO certificate_events (position, id, time, type, organization_id, application_ids, actor, cloud_event, applications_audit_entry_id)
         SELECT next.position, $2, $3, $4, $5, $6::uuid[], $7, $8::jsonb || jsonb_build_object('sequence', next.position::text), $9::uuid
         FROM (SELECT nextval('certificate_events_position_seq') AS position FROM (SELECT pg_advisory_xact_lock($1::bigint)) AS serialized) AS next
         RETURNING *
       )
       SELECT ${channel === null ? 'position' : `pg_notify($10, ${EVENT_NOTICE_SQL})`} FROM recorded`,
      [
        OUTBOX_LOCK_KEY,
        id,
        time,
        event.type,
        event.organizationId,
        listedInAuditEntry ? [] : [...event.applicationIds],
        event.actor.id,
        JSON.stringify(cloudEvent.toJSON()),
        listedInAuditEntry ? applicationsAuditEntryId : null,
        ...(channel === null ? [] : [channel]),
      ],
    );
    await this.wakeup.recorded(manager);
  }
}

/** The event's data without its list of applications (the log view puts it back from the audit entry). */
function withoutApplications({ applications: _applications, ...rest }: NewCertificateEvent['data']): NewCertificateEvent['data'] {
  return rest;
}
