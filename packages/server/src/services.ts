import type { DataSource } from 'typeorm';
import { BackupApplicationService } from './applications/backup-application.service.js';
import { CertificateStoreService } from './certificates/certificate-store.service.js';
import { openPrivateKeyVault, reencryptPrivateKeys } from './key-custody/master-key-rotation.js';
import { createPfxWorkerPool } from './pfx/pfx-worker-pool.js';
import { UpdateCertificateService } from './certificates/update-certificate.service.js';
import type { Config } from './config/config.js';
import type { Logger } from './logging/logger.js';
import { OrganizationService } from './organizations/organization.service.js';

/** Every domain service, wired once at start-up. */
export interface Services {
  organizations: OrganizationService;
  applications: BackupApplicationService;
  certificateStore: CertificateStoreService;
  certificateUpdates: UpdateCertificateService;
  limits: { pfxMaxBytes: number };
  /** Stops the worker threads, abandoning any PFX read still running (call it after in-flight requests are done). */
  close(): Promise<void>;
}

export async function createServices(dataSource: DataSource, config: Config, logger: Logger): Promise<Services> {
  const vault = await openPrivateKeyVault(dataSource, config.masterKey, logger);
  await reencryptPrivateKeys(dataSource, vault, logger);
  const pfxReader = createPfxWorkerPool({ maxThreads: config.pfxWorkerThreads });
  const certificateStore = new CertificateStoreService(dataSource, vault, pfxReader, logger.child({ component: 'certificate-store' }));
  return {
    organizations: new OrganizationService(dataSource),
    applications: new BackupApplicationService(dataSource, logger.child({ component: 'applications' })),
    certificateStore,
    certificateUpdates: new UpdateCertificateService(dataSource, certificateStore, logger.child({ component: 'certificates' })),
    limits: { pfxMaxBytes: config.pfxMaxBytes },
    close: () => pfxReader.close(),
  };
}
