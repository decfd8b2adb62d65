import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks: endpoints (with their sealed signing secret), one delivery row per endpoint and event
 * (the unique pair makes dispatching idempotent), every attempt of each delivery, and the outbox
 * position up to which events have been turned into deliveries (one row, locked by the dispatching
 * instance).
 */
export class Webhooks1795738000000 implements MigrationInterface {
  name = 'Webhooks1795738000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY,
        url text NOT NULL,
        description text NOT NULL DEFAULT '',
        event_types text[] NOT NULL,
        organization_ids uuid[],
        secret_ciphertext bytea NOT NULL,
        master_key_id text NOT NULL,
        starts_after_position bigint NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        disabled_reason text,
        disabled_at timestamptz,
        given_up_in_a_row integer NOT NULL DEFAULT 0,
        failing_since timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigserial NOT NULL,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        event_position bigint NOT NULL REFERENCES certificate_events (position),
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        status text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        lease_token uuid,
        lease_until timestamptz,
        last_http_status integer,
        last_error text,
        last_attempt_at timestamptz,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (endpoint_id, event_position)
      )`);
    // Workers look for due deliveries; the console lists an endpoint's newest first.
    await queryRunner.query(`CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status IN ('PENDING', 'FAILED')`);
    await queryRunner.query(`CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, seq DESC)`);
    await queryRunner.query(`
      CREATE TABLE webhook_delivery_attempts (
        id bigserial PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        attempted_at timestamptz NOT NULL,
        http_status integer,
        error text,
        retry_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX webhook_delivery_attempts_delivery_idx ON webhook_delivery_attempts (delivery_id, attempt)`);
    await queryRunner.query(`
      CREATE TABLE webhook_dispatch_position (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        position bigint NOT NULL
      )`);
    await queryRunner.query(`INSERT INTO webhook_dispatch_position (position) SELECT COALESCE(max(position), 0) FROM certificate_events`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE webhook_dispatch_position`);
    await queryRunner.query(`DROP TABLE webhook_delivery_attempts`);
    await queryRunner.query(`DROP TABLE webhook_deliveries`);
    await queryRunner.query(`DROP TABLE webhook_endpoints`);
  }
}
