import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The expiry monitor's memory. `certificate_expiry_notices` holds one row per notice raised — per
 * certificate, organization (none for a certificate no application uses) and threshold, 0 standing
 * for "expired" — written in the same transaction as its event: the unique key makes a second raise
 * impossible, whichever instance or crash comes in between. `expiry_check_runs` records which
 * instance ran the check of each scheduled interval (unique), so several instances run it once.
 */
export class CertificateExpiry1795738100000 implements MigrationInterface {
  name = 'CertificateExpiry1795738100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE certificate_expiry_notices (
        certificate_id uuid NOT NULL REFERENCES certificates (id) ON DELETE CASCADE,
        organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE,
        threshold_days integer NOT NULL CONSTRAINT certificate_expiry_notices_threshold_check CHECK (threshold_days >= 0),
        raised_at timestamptz NOT NULL
      )`);
    // A unique constraint would let NULL organizations repeat: key the certificate store's notices by the nil uuid.
    await queryRunner.query(`
      CREATE UNIQUE INDEX certificate_expiry_notices_key ON certificate_expiry_notices
        (certificate_id, COALESCE(organization_id, '00000000-0000-0000-0000-000000000000'::uuid), threshold_days)`);
    await queryRunner.query(`
      CREATE TABLE expiry_check_runs (
        id bigserial PRIMARY KEY,
        slot_start timestamptz CONSTRAINT expiry_check_runs_slot_key UNIQUE,
        as_of timestamptz NOT NULL,
        instance text NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        notices_raised integer NOT NULL DEFAULT 0
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE expiry_check_runs`);
    await queryRunner.query(`DROP TABLE certificate_expiry_notices`);
  }
}
