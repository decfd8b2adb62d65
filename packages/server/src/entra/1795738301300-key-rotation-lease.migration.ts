import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An unfinished rotation is leased by the instance running it, which renews the lease while it works: another
 * instance's recovery takes only rows whose lease ran out (or that none holds), so a rolling deploy no longer rolls
 * back a rotation a live instance is running. Rows from before have no lease: recovery takes them as before.
 */
export class KeyRotationLease1795738301300 implements MigrationInterface {
  name = 'KeyRotationLease1795738301300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE key_rotations ADD COLUMN lease_holder uuid, ADD COLUMN lease_expires_at timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE key_rotations DROP COLUMN lease_expires_at, DROP COLUMN lease_holder`);
  }
}
