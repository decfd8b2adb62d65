import type { DomainModule } from '../domain-module.js';
import { CertificateEvents1795737900000 } from './1795737900000-certificate-events.migration.js';
import { EventApplicationsInAuditEntry1795738200000 } from './1795738200000-event-applications-in-audit-entry.migration.js';
import { EventTypeIndex1795738300500 } from './1795738300500-event-type-index.migration.js';
import { EventOrganizationTypeIndex1795738300600 } from './1795738300600-event-organization-type-index.migration.js';
import { CertificateEventFeedService } from './certificate-event-feed.service.js';
import { CertificateEvent } from './certificate-event.entity.js';
import { CertificateEventResolver } from './certificate-event.resolver.js';
import { EventOutboxService } from './event-outbox.service.js';
import { type EventWakeup, InProcessWakeup, PostgresNotifyWakeup } from './event-wakeup.js';

declare module '../domain-module.js' {
  interface Services {
    /** Records events in the transaction of the change (the outbox). */
    events: EventOutboxService;
    /** Reads the event log: pages and resumable live subscriptions. */
    certificateEvents: CertificateEventFeedService;
  }
}

/**
 * Certificate events: written to an outbox table in the same transaction as each change, listed in
 * pages and delivered live over GraphQL subscriptions. With DATABASE_URL, PostgreSQL LISTEN/NOTIFY
 * wakes the readers of every instance on that database; on the embedded database, the process's own.
 * Listed first: the modules after it record their changes' events through `services.events`.
 */
export const eventsModule: DomainModule = {
  name: 'events',
  entities: [CertificateEvent],
  migrations: [
    CertificateEvents1795737900000,
    EventApplicationsInAuditEntry1795738200000,
    EventTypeIndex1795738300500,
    EventOrganizationTypeIndex1795738300600,
  ],
  resolvers: [CertificateEventResolver],
  async createServices({ dataSource, notifications, logger, onClose }) {
    const eventLogger = logger.child({ component: 'events' });
    const wakeup: EventWakeup = notifications ? new PostgresNotifyWakeup(notifications) : new InProcessWakeup(dataSource);
    const certificateEvents = new CertificateEventFeedService(dataSource, wakeup, eventLogger);
    await certificateEvents.start();
    onClose(() => certificateEvents.close());
    return { events: new EventOutboxService(wakeup), certificateEvents };
  },
};
