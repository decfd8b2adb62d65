import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The certificate event outbox: every change writes its event here in its own transaction, so a
 * committed change always has its event and a rolled-back one never does. `position` orders the log
 * (writers serialize on an advisory lock, so positions also follow commit order); subscribers and
 * webhooks read it after it, and NOTIFY only wakes them.
 */
export class CertificateEvents1795737900000 implements MigrationInterface {
  name = 'CertificateEvents1795737900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE certificate_events (
        position bigserial PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        time timestamptz NOT NULL,
        type text NOT NULL,
        organization_id uuid,
        application_ids uuid[] NOT NULL DEFAULT '{}',
        actor text NOT NULL,
        cloud_event jsonb NOT NULL
      )`);
    // Subscribers filtered by organization read their backlog through this index.
    await queryRunner.query(`CREATE INDEX certificate_events_organization_idx ON certificate_events (organization_id, position)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE certificate_events`);
  }
}
