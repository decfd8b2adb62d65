import type { DomainModule } from '../domain-module.js';
import { BackupApplication } from './backup-application.entity.js';
import { createApplicationLoaders } from './backup-application.loaders.js';
import { BackupApplicationResolver } from './backup-application.resolver.js';
import { BackupApplicationService } from './backup-application.service.js';
import { RemoveApplicationsResolver } from './remove-applications.mutation.js';

declare module '../domain-module.js' {
  interface Services {
    applications: BackupApplicationService;
  }
}
declare module '../graphql/request-context.js' {
  interface Loaders extends ReturnType<typeof createApplicationLoaders> {}
}

/** The backup applications of each organization: listed with their certificate, and removed one or many at once. */
export const applicationsModule: DomainModule = {
  name: 'applications',
  entities: [BackupApplication],
  resolvers: [BackupApplicationResolver, RemoveApplicationsResolver],
  createServices: ({ dataSource, logger, services }) => ({
    applications: new BackupApplicationService(dataSource, services.audit, logger.child({ component: 'applications' }), services.events),
  }),
  createLoaders: createApplicationLoaders,
};
