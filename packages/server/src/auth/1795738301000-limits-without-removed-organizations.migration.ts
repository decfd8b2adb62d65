import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Removing an organization takes it out of account and token limits since this migration's release;
 * organizations removed before then still stood in them (the console counted them). Order is kept.
 */
export class LimitsWithoutRemovedOrganizations1795738301000 implements MigrationInterface {
  name = 'LimitsWithoutRemovedOrganizations1795738301000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['users', 'api_tokens']) {
      await queryRunner.query(
        `UPDATE ${table} SET organization_ids = ARRAY(
           SELECT limited.id FROM unnest(organization_ids) WITH ORDINALITY AS limited (id, position)
           WHERE EXISTS (SELECT 1 FROM organizations WHERE organizations.id = limited.id)
           ORDER BY limited.position)
         WHERE EXISTS (SELECT 1 FROM unnest(organization_ids) AS limited (id)
                       WHERE NOT EXISTS (SELECT 1 FROM organizations WHERE organizations.id = limited.id))`,
      );
    }
  }

  async down(): Promise<void> {
    // The removed organizations are gone: nothing to put back.
  }
}
