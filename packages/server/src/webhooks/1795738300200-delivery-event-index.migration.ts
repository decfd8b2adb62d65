import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event's foreign key gets an index of its own (the unique key leads with the endpoint): deleting
 * an event would otherwise read every delivery. Nothing deletes events today; the key still holds.
 */
export class DeliveryEventIndex1795738300200 implements MigrationInterface {
  name = 'DeliveryEventIndex1795738300200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_position)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX webhook_deliveries_event_idx`);
  }
}
