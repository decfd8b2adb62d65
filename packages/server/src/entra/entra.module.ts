import type { DomainModule } from '../domain-module.js';
import { ApplicationEntraCheck } from './application-entra-check.entity.js';
import { readEntraCaFile } from './entra-ca-file.js';
import { EntraApplicationResolver } from './entra-application.resolver.js';
import { EntraCertificateResolver } from './entra-certificate.resolver.js';
import { EntraApplicationService } from './entra-applications.service.js';
import { EntraConnection } from './entra-connection.entity.js';
import { EntraConnectionsService } from './entra-connections.service.js';
import type { EntraDirectory } from './entra-directory.js';
import { createEntraLoaders } from './entra.loaders.js';
import { Entra1795737800000 } from './1795737800000-entra.migration.js';
import { EntraForeignKeyIndexes1795738300000 } from './1795738300000-entra-foreign-key-indexes.migration.js';
import { KeyRotationThumbprints1795738300700 } from './1795738300700-key-rotation-thumbprints.migration.js';
import { KeyRotationLease1795738301300 } from './1795738301300-key-rotation-lease.migration.js';
import { EntraOrganizationResolver } from './entra-organization.resolver.js';
import { EntraOrganizationService } from './entra-organizations.service.js';
import { GraphEntraDirectory } from './graph-entra-directory.js';
import { KeyRotation } from './key-rotation.entity.js';

declare module '../domain-module.js' {
  interface Services {
    /** Every Entra and Graph call goes through this one interface. */
    entraDirectory: EntraDirectory;
    entraConnections: EntraConnectionsService;
    entraOrganizations: EntraOrganizationService;
    entraApplications: EntraApplicationService;
  }
}
declare module '../graphql/request-context.js' {
  interface Loaders extends ReturnType<typeof createEntraLoaders> {}
}

/**
 * Microsoft Entra: organizations onboarded as real tenants through Graph, their applications listed
 * and added from Entra, drift checks — all through one `EntraDirectory` (the real @azure/identity and
 * Graph client). Certificate rotations (certificates module) use the same directory.
 */
export const entraModule: DomainModule = {
  name: 'entra',
  entities: [EntraConnection, ApplicationEntraCheck, KeyRotation],
  migrations: [Entra1795737800000, EntraForeignKeyIndexes1795738300000, KeyRotationThumbprints1795738300700, KeyRotationLease1795738301300],
  resolvers: [EntraOrganizationResolver, EntraApplicationResolver, EntraCertificateResolver],
  async createServices({ dataSource, config, logger, services, onClose }) {
    const { caFile } = config.entra;
    const caPem = caFile ? await readEntraCaFile(caFile) : undefined;
    const directory = new GraphEntraDirectory(config.entra, caPem, logger.child({ component: 'entra' }));
    onClose(() => directory.close());
    const entraConnections = new EntraConnectionsService(dataSource, services.privateKeyVault);
    return {
      entraDirectory: directory,
      entraConnections,
      entraOrganizations: new EntraOrganizationService(
        dataSource,
        services.privateKeyVault,
        directory,
        logger.child({ component: 'entra' }),
        services.events,
        services.audit,
      ),
      entraApplications: new EntraApplicationService(
        dataSource,
        entraConnections,
        directory,
        logger.child({ component: 'entra' }),
        services.events,
        services.audit,
      ),
    };
  },
  createLoaders: createEntraLoaders,
};
