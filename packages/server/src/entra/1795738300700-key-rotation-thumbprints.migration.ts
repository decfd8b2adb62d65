import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rotations record the thumbprints they moved between, so a finished rotation no longer holds on to
 * its certificates: a store certificate once rotated onto an application, and off it again, can be
 * removed (`removeStoreCertificate` refuses it while an unfinished rotation still needs it). The
 * history keeps the thumbprints; the certificate ids become null when the certificate is removed.
 */
export class KeyRotationThumbprints1795738300700 implements MigrationInterface {
  name = 'KeyRotationThumbprints1795738300700';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE key_rotations ADD COLUMN old_thumbprint char(40), ADD COLUMN new_thumbprint char(40)`);
    await queryRunner.query(`
      UPDATE key_rotations rotation SET
        old_thumbprint = (SELECT thumbprint_sha1 FROM certificates WHERE id = rotation.old_certificate_id),
        new_thumbprint = (SELECT thumbprint_sha1 FROM certificates WHERE id = rotation.new_certificate_id)`);
    await queryRunner.query(`
      ALTER TABLE key_rotations
        ALTER COLUMN new_thumbprint SET NOT NULL,
        ALTER COLUMN new_certificate_id DROP NOT NULL,
        DROP CONSTRAINT key_rotations_new_certificate_id_fkey,
        ADD CONSTRAINT key_rotations_new_certificate_id_fkey FOREIGN KEY (new_certificate_id) REFERENCES certificates (id) ON DELETE SET NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Rotations whose new certificate was removed cannot point at it again: they go with the column's constraint.
    await queryRunner.query(`DELETE FROM key_rotations WHERE new_certificate_id IS NULL`);
    await queryRunner.query(`
      ALTER TABLE key_rotations
        DROP CONSTRAINT key_rotations_new_certificate_id_fkey,
        ADD CONSTRAINT key_rotations_new_certificate_id_fkey FOREIGN KEY (new_certificate_id) REFERENCES certificates (id) ON DELETE RESTRICT,
        ALTER COLUMN new_certificate_id SET NOT NULL,
        DROP COLUMN new_thumbprint,
        DROP COLUMN old_thumbprint`);
  }
}
