import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Microsoft Entra: each organization's connection (cloud, management application and certificate),
 * the drift check of each application, and certificate rotations as operation rows.
 * Organizations without a connection keep working as before (database-only certificate updates).
 */
export class Entra1795737800000 implements MigrationInterface {
  name = 'Entra1795737800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE entra_connections (
        organization_id uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
        cloud text NOT NULL CONSTRAINT entra_connections_cloud_check CHECK (cloud IN ('WORLDWIDE', 'US_GOVERNMENT', 'CHINA')),
        management_app_id uuid NOT NULL,
        management_certificate_id uuid NOT NULL REFERENCES certificates (id) ON DELETE RESTRICT,
        connected_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE application_entra_checks (
        backup_application_id uuid PRIMARY KEY REFERENCES backup_applications (id) ON DELETE CASCADE,
        status text NOT NULL,
        thumbprint char(40),
        verified_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE key_rotations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        batch_id uuid NOT NULL,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        backup_application_id uuid NOT NULL REFERENCES backup_applications (id) ON DELETE CASCADE,
        application_id uuid NOT NULL,
        old_certificate_id uuid REFERENCES certificates (id) ON DELETE SET NULL,
        new_certificate_id uuid NOT NULL REFERENCES certificates (id) ON DELETE RESTRICT,
        new_key_id uuid,
        registered_by_us boolean NOT NULL DEFAULT false,
        state text NOT NULL CONSTRAINT key_rotations_state_check
          CHECK (state IN ('STARTED', 'REGISTERED', 'PROVEN', 'SWITCHED', 'OLD_KEY_REMOVED', 'ROLLED_BACK')),
        failure text,
        started_by text NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // At most one unfinished rotation per application.
    await queryRunner.query(`
      CREATE UNIQUE INDEX key_rotations_active_idx ON key_rotations (backup_application_id)
        WHERE state IN ('STARTED', 'REGISTERED', 'PROVEN', 'SWITCHED')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE key_rotations`);
    await queryRunner.query(`DROP TABLE application_entra_checks`);
    await queryRunner.query(`DROP TABLE entra_connections`);
  }
}
