import os from 'node:os';
import type { DomainModule } from '../domain-module.js';
import { CertificateExpiry1795738100000 } from './1795738100000-certificate-expiry.migration.js';
import { ExpiryNoticeOrganizationIndex1795738300100 } from './1795738300100-expiry-notice-organization-index.migration.js';
import { ExpiryCheckSchedule } from './expiry-check-schedule.js';
import { ExpiryMonitorService } from './expiry-monitor.service.js';

declare module '../domain-module.js' {
  interface Services {
    /** Raises near-expiry and expired certificate events, each once. */
    expiryMonitor: ExpiryMonitorService;
    /** The monitor's schedule; the server starts it once it serves (commands run no schedule). Null: EXPIRY_CHECK_INTERVAL_SECONDS=0. */
    expiryCheckSchedule: ExpiryCheckSchedule | null;
  }
}

/**
 * The expiry monitor: a scheduled check that raises certificate events as certificates near their
 * expiry and expire. Listed after the modules whose tables it reads (certificates, applications) and
 * the events module it records through.
 */
export const expiryModule: DomainModule = {
  name: 'expiry',
  migrations: [CertificateExpiry1795738100000, ExpiryNoticeOrganizationIndex1795738300100],
  createServices({ dataSource, config, logger, clock, services, onClose }) {
    const expiryLogger = logger.child({ component: 'expiry' });
    const instance = `${os.hostname()}:${process.pid}`;
    const expiryMonitor = new ExpiryMonitorService(dataSource, services.events, clock, config.expiry.warningDays, instance, expiryLogger);
    const { checkIntervalSeconds } = config.expiry;
    const expiryCheckSchedule =
      checkIntervalSeconds > 0 ? new ExpiryCheckSchedule(expiryMonitor, checkIntervalSeconds * 1000, clock, expiryLogger) : null;
    if (expiryCheckSchedule) onClose(() => expiryCheckSchedule.stop());
    return { expiryMonitor, expiryCheckSchedule };
  },
};
