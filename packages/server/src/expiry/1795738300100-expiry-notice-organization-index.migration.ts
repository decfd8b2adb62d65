import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The organization's foreign key gets an index: deleting an organization then finds its notices without reading them all. */
export class ExpiryNoticeOrganizationIndex1795738300100 implements MigrationInterface {
  name = 'ExpiryNoticeOrganizationIndex1795738300100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX certificate_expiry_notices_organization_idx ON certificate_expiry_notices (organization_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX certificate_expiry_notices_organization_idx`);
  }
}
