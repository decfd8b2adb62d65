import type { Logger } from './logger.js';

/**
 * Application ids per log line. Docker's and Kubernetes' log drivers cut a line longer than 16 KiB
 * into parts, which log shippers then read as broken JSON; 200 ids take ~8 kB.
 */
export const APPLICATION_IDS_PER_LOG_LINE = 200;

/**
 * Logs a change of many applications at info level, naming every application: over as many lines
 * as keep each within the log drivers' limit, numbered (`part` of `parts`) when there are several.
 */
export function logApplicationsChange(logger: Logger, fields: Record<string, unknown>, applicationIds: readonly string[], message: string): void {
  const parts = Math.max(1, Math.ceil(applicationIds.length / APPLICATION_IDS_PER_LOG_LINE));
  for (let part = 0; part < parts; part += 1) {
    const ids = applicationIds.slice(part * APPLICATION_IDS_PER_LOG_LINE, (part + 1) * APPLICATION_IDS_PER_LOG_LINE);
    logger.info(parts === 1 ? { ...fields, applicationIds: ids } : { ...fields, applicationIds: ids, part: part + 1, parts }, message);
  }
}
