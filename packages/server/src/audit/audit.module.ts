import { AuditLog1795737800000 } from '../database/migrations/1795737800000-audit-log.js';
import { AuditDetailsLz41795738300300 } from './1795738300300-audit-details-lz4.migration.js';
import { AuditKeysetIndexes1795738300400 } from './1795738300400-audit-keyset-indexes.migration.js';
import type { DomainModule } from '../domain-module.js';
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
  migrations: [AuditLog1795737800000, AuditDetailsLz41795738300300, AuditKeysetIndexes1795738300400],
  resolvers: [AuditLogResolver],
  createServices: ({ dataSource }) => ({ audit: new AuditService(dataSource) }),
};
