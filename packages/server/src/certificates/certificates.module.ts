import type { DomainModule } from '../domain-module.js';
import { createPfxWorkerPool } from '../pfx/pfx-worker-pool.js';
import { CertificateChange } from './certificate-change.entity.js';
import { CertificateChangeResolver } from './certificate-change.resolver.js';
import { CertificateStoreResolver } from './certificate-store.resolver.js';
import { CertificateRotationService, rotationLeaseTiming } from './certificate-rotation.service.js';
import { CertificateStoreService } from './certificate-store.service.js';
import { Certificate } from './certificate.entity.js';
import { createCertificateLoaders } from './certificate.loaders.js';
import { CertificateResolver } from './certificate.resolver.js';
import { InspectPfxResolver } from './inspect-pfx.resolver.js';
import { PfxInspectionService } from './pfx-inspection.service.js';
import { InProcessProgressBus, PostgresProgressBus, RotationProgressService } from './rotation-progress.js';
import { RotationProgressResolver } from './rotation-progress.resolver.js';
import { UpdateCertificateResolver } from './update-certificate.mutation.js';
import { UpdateCertificateService } from './update-certificate.service.js';

declare module '../domain-module.js' {
  interface Services {
    certificateStore: CertificateStoreService;
    certificateUpdates: UpdateCertificateService;
    certificateRotation: CertificateRotationService;
    pfxInspection: PfxInspectionService;
    /** Live steps of certificate updates on Entra, for the clients that started them. */
    rotationProgress: RotationProgressService;
  }
}
declare module '../graphql/request-context.js' {
  interface Loaders extends ReturnType<typeof createCertificateLoaders> {}
}

/** The certificate store of this server, and setting certificates on applications with their history. */
export const certificatesModule: DomainModule = {
  name: 'certificates',
  entities: [Certificate, CertificateChange],
  sealedColumns: [{ table: 'certificates', masterKeyIdColumn: 'private_key_master_key_id' }],
  resolvers: [
    CertificateResolver,
    CertificateChangeResolver,
    CertificateStoreResolver,
    UpdateCertificateResolver,
    InspectPfxResolver,
    RotationProgressResolver,
  ],
  async createServices({ dataSource, config, notifications, logger, rotationRetry, services, onClose }) {
    const pfxReader = createPfxWorkerPool({ maxThreads: config.pfxWorkerThreads });
    onClose(() => pfxReader.close());
    const certificateStore = new CertificateStoreService(
      dataSource,
      services.privateKeyVault,
      pfxReader,
      services.audit,
      logger.child({ component: 'certificate-store' }),
      config.pfxMaxBytes,
      services.events,
    );
    const certificateRotation = new CertificateRotationService(
      dataSource,
      services.privateKeyVault,
      services.entraConnections,
      services.entraDirectory,
      config.entra,
      logger.child({ component: 'certificate-rotation' }),
      { ...rotationLeaseTiming, sweepEveryMs: config.entra.rotationSweepSeconds * 1000 },
      rotationRetry,
    );
    // On PostgreSQL other instances may hold the subscriptions (NOTIFY); the embedded database has one process.
    const progressBus = notifications
      ? new PostgresProgressBus(dataSource, notifications, logger.child({ component: 'rotation-progress' }))
      : new InProcessProgressBus();
    await progressBus.start();
    onClose(() => progressBus.close());
    // Rotations a stopped server left mid-way: finished or rolled back in the background (every Entra call is time-bounded).
    const recovery = certificateRotation.recover().catch((error: unknown) => logger.error({ err: error }, 'certificate rotation recovery failed'));
    onClose(() => recovery);
    // Registered after the recovery, so it runs before it: no retry starts once the server stops.
    onClose(() => certificateRotation.stop());
    return {
      certificateStore,
      certificateRotation,
      pfxInspection: new PfxInspectionService(dataSource, certificateStore, logger.child({ component: 'pfx-inspection' })),
      rotationProgress: new RotationProgressService(dataSource, progressBus),
      certificateUpdates: new UpdateCertificateService(
        dataSource,
        certificateStore,
        services.audit,
        logger.child({ component: 'certificates' }),
        services.events,
        certificateRotation,
      ),
    };
  },
  createLoaders: createCertificateLoaders,
};
