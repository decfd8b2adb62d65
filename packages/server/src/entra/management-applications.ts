import { ErrorCode, errorMessageIn } from '@bam/shared';
import type { EntityManager } from 'typeorm';
import { DomainError } from '../common/domain-error.js';

// An application is never both a management application and a backup application: a certificate update of a backup
// application removes its old key from Entra, which for the management application is the key the server signs in
// with. An application id names the same Entra application in every organization, so the rule holds across them.

/** Those of `appIds` (well-formed, normalized) that are some organization's management application. */
export async function managementApplicationsAmong(manager: EntityManager, appIds: readonly string[]): Promise<Set<string>> {
  if (appIds.length === 0) return new Set();
  const rows = (await manager.query(`SELECT DISTINCT management_app_id AS "appId" FROM entra_connections WHERE management_app_id = ANY($1::uuid[])`, [
    appIds,
  ])) as { appId: string }[];
  return new Set(rows.map((row) => row.appId));
}

/** APPLICATION_IS_MANAGEMENT_APPLICATION naming those of `appIds` that are a management application, before anything changes. */
export async function refuseManagementApplications(manager: EntityManager, appIds: readonly string[]): Promise<void> {
  const management = await managementApplicationsAmong(manager, appIds);
  if (management.size > 0) {
    throw new DomainError(
      ErrorCode.APPLICATION_IS_MANAGEMENT_APPLICATION,
      appIds.filter((appId) => management.has(appId)),
    );
  }
}

/** APPLICATION_IS_MANAGEMENT_APPLICATION when the application to sign in with is a backup application (of any organization). */
export async function refuseBackupApplicationAsManagement(manager: EntityManager, appId: string): Promise<void> {
  const rows: unknown[] = await manager.query(`SELECT 1 FROM backup_applications WHERE application_id = $1 LIMIT 1`, [appId]);
  if (rows.length > 0) {
    throw new DomainError(
      ErrorCode.APPLICATION_IS_MANAGEMENT_APPLICATION,
      [appId],
      errorMessageIn('updateOrganizationConnection', ErrorCode.APPLICATION_IS_MANAGEMENT_APPLICATION),
    );
  }
}
