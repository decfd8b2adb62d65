import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Operator accounts, their sign-in sessions and API tokens for scripts. Session and token secrets
 * are stored as SHA-256 hashes only; passwords as argon2id hashes.
 */
export class Accounts1795737900000 implements MigrationInterface {
  name = 'Accounts1795737900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const role = (table: string) => `role text NOT NULL CONSTRAINT ${table}_role_check CHECK (role IN ('VIEWER', 'OPERATOR', 'ADMINISTRATOR'))`;
    await queryRunner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username text NOT NULL CONSTRAINT users_username_key UNIQUE,
        password_hash text NOT NULL,
        ${role('users')},
        organization_ids uuid[],
        must_change_password boolean NOT NULL DEFAULT false,
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        password_changed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        secret_hash bytea NOT NULL CONSTRAINT sessions_secret_hash_key UNIQUE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        client_ip text,
        user_agent text
      )`);
    await queryRunner.query(`CREATE INDEX sessions_user_idx ON sessions (user_id)`);
    await queryRunner.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        secret_hash bytea NOT NULL CONSTRAINT api_tokens_secret_hash_key UNIQUE,
        ${role('api_tokens')},
        organization_ids uuid[],
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        revoked_at timestamptz,
        last_used_at timestamptz
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE api_tokens`);
    await queryRunner.query(`DROP TABLE sessions`);
    await queryRunner.query(`DROP TABLE users`);
  }
}
