import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log: one row per sign-in, failed sign-in and change. Append-only — triggers refuse
 * UPDATE, DELETE and TRUNCATE, so not even a bug or a stray script can rewrite history.
 */
export class AuditLog1795737800000 implements MigrationInterface {
  name = 'AuditLog1795737800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit_log (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- Commit-independent order for keyset pagination (timestamps tie, and lose precision in JavaScript).
        seq bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT audit_log_seq_key UNIQUE,
        occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        action text NOT NULL,
        actor_kind text NOT NULL CONSTRAINT audit_log_actor_kind_check CHECK (actor_kind IN ('USER', 'TOKEN', 'SYSTEM', 'ANONYMOUS')),
        actor_id text NOT NULL,
        actor_name text NOT NULL,
        organization_id uuid,
        client_ip text,
        user_agent text,
        details jsonb NOT NULL DEFAULT '{}'
      )`);
    await queryRunner.query(`CREATE INDEX audit_log_occurred_idx ON audit_log (occurred_at)`);
    await queryRunner.query(`CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, occurred_at DESC)`);
    await queryRunner.query(`CREATE INDEX audit_log_organization_idx ON audit_log (organization_id, occurred_at DESC)`);
    await queryRunner.query(`
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
    await queryRunner.query(`
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE audit_log`);
    await queryRunner.query(`DROP FUNCTION audit_log_append_only()`);
  }
}
