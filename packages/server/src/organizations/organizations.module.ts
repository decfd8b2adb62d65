import type { DomainModule } from '../domain-module.js';
import { OrganizationNameIgnoresCase1795738301100 } from './1795738301100-organization-name-ignores-case.migration.js';
import { createOrganizationLoaders } from './organization.loaders.js';
import { Organization } from './organization.entity.js';
import { OrganizationResolver } from './organization.resolver.js';
import { OrganizationService } from './organization.service.js';

declare module '../domain-module.js' {
  interface Services {
    organizations: OrganizationService;
  }
}
declare module '../graphql/request-context.js' {
  interface Loaders extends ReturnType<typeof createOrganizationLoaders> {}
}

/** Organizations (Microsoft 365 tenants) known to the server, listed and paged. */
export const organizationsModule: DomainModule = {
  name: 'organizations',
  entities: [Organization],
  migrations: [OrganizationNameIgnoresCase1795738301100],
  resolvers: [OrganizationResolver],
  createServices: ({ dataSource }) => ({ organizations: new OrganizationService(dataSource) }),
  createLoaders: createOrganizationLoaders,
};
