import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each endpoint's due deliveries, oldest first: the dispatcher claims a few per endpoint, so an
 * endpoint with a long backlog is not read through to find another endpoint's work.
 */
export class DeliveryEndpointDueIndex1795738300800 implements MigrationInterface {
  name = 'DeliveryEndpointDueIndex1795738300800';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_endpoint_due_idx ON webhook_deliveries (endpoint_id, next_attempt_at, seq) WHERE status IN ('PENDING', 'FAILED')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX webhook_deliveries_endpoint_due_idx`);
  }
}
