import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Organizations, their backup applications and the certificates those use. */
export class InitialSchema1795737600000 implements MigrationInterface {
  name = 'InitialSchema1795737600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE organizations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        tenant_id uuid NOT NULL,
        region text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT organizations_name_key UNIQUE (name),
        CONSTRAINT organizations_tenant_id_key UNIQUE (tenant_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE certificates (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        thumbprint_sha1 char(40) NOT NULL,
        thumbprint_sha256 char(64) NOT NULL,
        subject text NOT NULL,
        issuer text NOT NULL,
        issued_to text NOT NULL,
        issued_by text NOT NULL,
        serial_number text NOT NULL,
        not_before timestamptz NOT NULL,
        not_after timestamptz NOT NULL,
        key_algorithm text NOT NULL,
        key_size integer NOT NULL,
        der bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT certificates_thumbprint_sha1_key UNIQUE (thumbprint_sha1)
      )`);
    await queryRunner.query(`
      CREATE TABLE backup_applications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        application_id uuid NOT NULL,
        display_name text NOT NULL,
        added_at timestamptz NOT NULL DEFAULT now(),
        certificate_id uuid REFERENCES certificates (id) ON DELETE RESTRICT,
        CONSTRAINT backup_applications_organization_application_key UNIQUE (organization_id, application_id)
      )`);
    // Removal looks applications up by client id across organizations to tell "unknown" from "elsewhere".
    await queryRunner.query(`CREATE INDEX backup_applications_application_id_idx ON backup_applications (application_id)`);
    await queryRunner.query(`CREATE INDEX backup_applications_certificate_id_idx ON backup_applications (certificate_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE backup_applications`);
    await queryRunner.query(`DROP TABLE certificates`);
    await queryRunner.query(`DROP TABLE organizations`);
  }
}
