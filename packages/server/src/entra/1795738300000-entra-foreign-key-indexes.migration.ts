import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the Entra tables' foreign keys and the rotation batch lookup. Deleting a row that a
 * foreign key points to (an application, an organization, a store certificate) finds the rows that
 * point to it through such an index, or reads the whole table once per deleted row. `key_rotations`
 * keeps every finished rotation, and its only index on the application covered unfinished ones:
 * removing 1,000 applications with 10,000 rotations on record took 366 ms instead of 22.5 ms.
 */
export class EntraForeignKeyIndexes1795738300000 implements MigrationInterface {
  name = 'EntraForeignKeyIndexes1795738300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX key_rotations_application_idx ON key_rotations (backup_application_id)`);
    await queryRunner.query(`CREATE INDEX key_rotations_organization_idx ON key_rotations (organization_id)`);
    await queryRunner.query(`CREATE INDEX key_rotations_old_certificate_idx ON key_rotations (old_certificate_id)`);
    await queryRunner.query(`CREATE INDEX key_rotations_new_certificate_idx ON key_rotations (new_certificate_id)`);
    // Every progress subscription asks whether someone else started the batch.
    await queryRunner.query(`CREATE INDEX key_rotations_batch_idx ON key_rotations (batch_id)`);
    await queryRunner.query(`CREATE INDEX entra_connections_management_certificate_idx ON entra_connections (management_certificate_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const index of [
      'entra_connections_management_certificate_idx',
      'key_rotations_batch_idx',
      'key_rotations_new_certificate_idx',
      'key_rotations_old_certificate_idx',
      'key_rotations_organization_idx',
      'key_rotations_application_idx',
    ])
      await queryRunner.query(`DROP INDEX ${index}`);
  }
}
