/**
 * What the NOTIFY of a recorded event carries: its position, and the event itself when it fits in
 * PostgreSQL's 8000-byte payload. A listener that has handed out every event before that position
 * can deliver it without reading the outbox; after a gap, or from a notice without the event, it reads.
 */

/**
 * The notice of the event row whose columns are in scope (the outbox's `INSERT … RETURNING`), as
 * text. PostgreSQL writes it from the stored row, so the event is what a read of the outbox returns.
 * Events too large to carry (many applications) are not serialised to find out: the size check
 * first looks at the stored JSON. An event whose applications are listed in its audit entry is one
 * of those, and its row alone is not the event.
 */
export const EVENT_NOTICE_SQL = `(
  SELECT CASE WHEN octet_length(notice.event) < 8000 THEN notice.event ELSE json_build_object('position', position::text)::text END
  FROM (
    SELECT CASE WHEN applications_audit_entry_id IS NULL AND pg_column_size(cloud_event) + 40 * cardinality(application_ids) < 6000 THEN json_build_object(
      'position', position::text, 'id', id, 'time', time, 'type', type, 'organizationId', organization_id,
      'applicationIds', application_ids, 'actor', actor, 'cloudEvent', cloud_event)::text END AS event
  ) AS notice
)`;

/** The columns of an event as a read of the outbox returns them (`CertificateEvent`'s properties). */
export interface NotifiedEvent {
  position: string;
  id: string;
  time: Date;
  type: string;
  organizationId: string | null;
  applicationIds: string[];
  actor: string;
  cloudEvent: Record<string, unknown>;
}

export interface EventNotice {
  position: bigint;
  /** Absent when the event was too large for a notification. */
  event?: NotifiedEvent;
}

/** The notice in a notification's payload; undefined for any other payload (an empty one, from an older instance). */
export function parseEventNotice(payload: string): EventNotice | undefined {
  let notice: Partial<Omit<NotifiedEvent, 'time'>> & { time?: string };
  try {
    notice = JSON.parse(payload) as typeof notice;
  } catch {
    return undefined;
  }
  if (typeof notice !== 'object' || notice === null) return undefined;
  if (typeof notice.position !== 'string' || !/^\d{1,19}$/.test(notice.position)) return undefined;
  const position = BigInt(notice.position);
  if (notice.id === undefined) return { position };
  return { position, event: { ...(notice as Omit<NotifiedEvent, 'time'>), time: new Date(notice.time!) } };
}
