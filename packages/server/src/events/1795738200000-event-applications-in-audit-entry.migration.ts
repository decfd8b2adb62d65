import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A bulk change's event names its applications through the audit entry of the same change instead
 * of storing the list a second time: the entry holds it anyway, in the same transaction, and is kept
 * for good (the audit log is append-only). Such an event stores no `application_ids` and no
 * `data.applications`; `certificate_event_log` — what every reader of events reads — puts both back
 * from the entry, so readers get the event exactly as it was recorded.
 */
export class EventApplicationsInAuditEntry1795738200000 implements MigrationInterface {
  name = 'EventApplicationsInAuditEntry1795738200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // No foreign key: the audit log refuses deletes itself, and a key would make TRUNCATE fail on the key
    // instead of on the log's own append-only rule.
    await queryRunner.query(`ALTER TABLE certificate_events ADD COLUMN applications_audit_entry_id uuid`);
    // The applications in the event's own shape, in the entry's order: an update's entry also names the
    // new thumbprint for each one (its event names it once, in data.certificate), a removal's does not differ.
    await queryRunner.query(`
      CREATE VIEW certificate_event_log AS
      SELECT event.position, event.id, event.time, event.type, event.organization_id,
             COALESCE(listed.application_ids, event.application_ids) AS application_ids,
             event.actor,
             CASE WHEN listed.applications IS NULL THEN event.cloud_event
                  ELSE jsonb_set(event.cloud_event, '{data,applications}', listed.applications) END AS cloud_event
      FROM certificate_events event
      LEFT JOIN LATERAL (
        SELECT array_agg((entry_application.value ->> 'applicationId')::uuid ORDER BY entry_application.ordinality) AS application_ids,
               jsonb_agg(
                 CASE event.type
                   WHEN 'CERTIFICATE_UPDATED' THEN jsonb_build_object(
                     'applicationId', entry_application.value -> 'applicationId',
                     'previousThumbprint', entry_application.value -> 'previousThumbprint')
                   ELSE jsonb_build_object(
                     'applicationId', entry_application.value -> 'applicationId',
                     'displayName', entry_application.value -> 'displayName')
                 END
                 ORDER BY entry_application.ordinality) AS applications
        FROM audit_log entry
        CROSS JOIN LATERAL jsonb_array_elements(entry.details -> 'applications') WITH ORDINALITY AS entry_application (value, ordinality)
        WHERE event.applications_audit_entry_id IS NOT NULL AND entry.id = event.applications_audit_entry_id
      ) AS listed ON true`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Each event gets its list back before the reference goes.
    await queryRunner.query(`
      UPDATE certificate_events event SET application_ids = log.application_ids, cloud_event = log.cloud_event
      FROM certificate_event_log log WHERE log.position = event.position AND event.applications_audit_entry_id IS NOT NULL`);
    await queryRunner.query(`DROP VIEW certificate_event_log`);
    await queryRunner.query(`ALTER TABLE certificate_events DROP COLUMN applications_audit_entry_id`);
  }
}
