import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Turns `certificates` into the server's certificate store (store name, encrypted private key,
 * exportability, origin) and adds each application's certificate history.
 * Certificates recorded before hold no private key: they stay, listed as unusable.
 */
export class CertificateStore1795737700000 implements MigrationInterface {
  name = 'CertificateStore1795737700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE certificates
        ADD COLUMN store text NOT NULL DEFAULT 'PERSONAL'
          CONSTRAINT certificates_store_check CHECK (store IN ('PERSONAL', 'INTERMEDIATE', 'ROOT')),
        ADD COLUMN source text NOT NULL DEFAULT 'PFX_IMPORT'
          CONSTRAINT certificates_source_check CHECK (source IN ('PFX_IMPORT', 'GENERATED', 'COMMAND_LINE', 'DEMO')),
        ADD COLUMN private_key_ciphertext bytea,
        ADD COLUMN private_key_master_key_id text,
        ADD COLUMN key_exportable boolean NOT NULL DEFAULT false,
        ADD CONSTRAINT certificates_private_key_check CHECK ((private_key_ciphertext IS NULL) = (private_key_master_key_id IS NULL))`);
    await queryRunner.query(`
      CREATE TABLE certificate_changes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        backup_application_id uuid NOT NULL REFERENCES backup_applications (id) ON DELETE CASCADE,
        certificate_id uuid REFERENCES certificates (id) ON DELETE SET NULL,
        thumbprint char(40) NOT NULL,
        not_after timestamptz NOT NULL,
        previous_thumbprint char(40),
        source text NOT NULL CONSTRAINT certificate_changes_source_check CHECK (source IN ('STORE', 'PFX_FILE')),
        changed_by text NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX certificate_changes_application_idx ON certificate_changes (backup_application_id, changed_at DESC)`,
    );
    await queryRunner.query(`CREATE INDEX certificate_changes_certificate_idx ON certificate_changes (certificate_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE certificate_changes`);
    await queryRunner.query(`
      ALTER TABLE certificates
        DROP COLUMN store, DROP COLUMN source, DROP COLUMN private_key_ciphertext,
        DROP COLUMN private_key_master_key_id, DROP COLUMN key_exportable`);
  }
}
