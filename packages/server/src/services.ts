import type { DataSource } from 'typeorm';
import { BackupApplicationService } from './applications/backup-application.service.js';
import type { Logger } from './logging/logger.js';
import { OrganizationService } from './organizations/organization.service.js';

/** Every domain service, wired once at start-up. */
export interface Services {
  organizations: OrganizationService;
  applications: BackupApplicationService;
}

export function createServices(dataSource: DataSource, logger: Logger): Services {
  return {
    organizations: new OrganizationService(dataSource),
    applications: new BackupApplicationService(dataSource, logger.child({ component: 'applications' })),
  };
}
