import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RefusedMigrationError } from '../common/operator-error.js';

/**
 * An organization's name is its primary domain, which ignores case: addOrganization checks for a known one with
 * lower(name), but the table's constraint was case-sensitive, so another path (SQL, an import) could add
 * `Contoso.onmicrosoft.com` beside `contoso.onmicrosoft.com`. The unique index on lower(name) holds the check's
 * rule for every path. Names that already differ only in case stop the migration, named, for the operator to
 * decide which to keep: renaming one would hide that they are the same tenant's domain. This version cannot start
 * before the migration, so the operator removes them with the previous version (README, "Upgrading").
 */
export class OrganizationNameIgnoresCase1795738301100 implements MigrationInterface {
  name = 'OrganizationNameIgnoresCase1795738301100';

  async up(queryRunner: QueryRunner): Promise<void> {
    const duplicates: { names: string[] }[] = await queryRunner.query(
      `SELECT array_agg(name ORDER BY name) AS names FROM organizations GROUP BY lower(name) HAVING count(*) > 1 ORDER BY lower(name)`,
    );
    if (duplicates.length > 0) {
      throw new RefusedMigrationError(
        `The database holds organizations whose names differ only in case: ${duplicates.map(({ names }) => names.join(', ')).join('; ')}. ` +
          'Each group is one primary domain: start the previous version, remove all but one organization of each group ' +
          '(Remove in the console, or removeOrganization), then start this version again.',
      );
    }
    await queryRunner.query(`ALTER TABLE organizations DROP CONSTRAINT organizations_name_key`);
    await queryRunner.query(`CREATE UNIQUE INDEX organizations_name_lower_key ON organizations (lower(name))`);
    // The list pages in name order (ORDER BY name, id): the dropped constraint's index served it.
    await queryRunner.query(`CREATE INDEX organizations_name_idx ON organizations (name, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX organizations_name_idx`);
    await queryRunner.query(`DROP INDEX organizations_name_lower_key`);
    await queryRunner.query(`ALTER TABLE organizations ADD CONSTRAINT organizations_name_key UNIQUE (name)`);
  }
}
