import { AuditLog1795737800000 } from '../database/migrations/1795737800000-audit-log.js';
import type { DomainModule } from '../domain-module.js';
import { AuditDetailsLz41795738300000 } from './1795738300000-audit-details-lz4.migration.js';
import { AuditEntry } from './audit-entry.entity.js';
import { AuditLogResolver } from './audit-log.resolver.js';
import { AuditService } from './audit.service.js';

declare module '../domain-module.js' {
  interface Services {
    audit: AuditService;
  }
}

/** The append-only audit log every other domain writes its changes to, in the change's own transaction. */
export const auditModule: DomainModule = {
  name: 'audit',
  entities: [AuditEntry],
  migrations: [AuditLog1795737800000, AuditDetailsLz41795738300000],
  resolvers: [AuditLogResolver],
  createServices: ({ dataSource }) => ({ audit: new AuditService(dataSource) }),
};
