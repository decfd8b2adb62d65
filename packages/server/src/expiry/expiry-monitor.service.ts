import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from '../common/clock.js';
import { certificateExpiryNoticed } from '../events/certificate-events.js';
import type { EventOutboxService } from '../events/event-outbox.service.js';
import type { Logger } from '../logging/logger.js';
import { type CertificateUsage, dueNotices, EXPIRED_LEVEL, type RaisedNotice } from './expiry-notices.js';

/** Transaction-level advisory lock held by the instance running a check: the others skip (scheduled) or wait (on demand). */
const EXPIRY_CHECK_LOCK_KEY = '5827104936288121043';
/** Run records kept; older ones are deleted by the checks. */
const KEPT_RUNS = 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** What one attempt at a check did. */
export type ExpiryCheckOutcome =
  | { ran: true; asOf: Date; noticesRaised: number }
  | {
      ran: false;
      asOf: Date;
      /** Another instance holds the check's lock, or the scheduled interval was already checked. */
      reason: 'ANOTHER_CHECK_RUNNING' | 'ALREADY_CHECKED';
    };

/**
 * The expiry monitor: raises `CERTIFICATE_EXPIRING` when a certificate comes within a warning
 * threshold and `CERTIFICATE_EXPIRED` when it expires — per organization using it (or none, for a
 * certificate of the Personal store nobody uses) — each once. A check is one transaction:
 * the advisory lock, the run record, the notice rows (unique) and their events commit together, so
 * neither a crash nor a second instance can raise a notice twice.
 */
export class ExpiryMonitorService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventOutboxService,
    private readonly clock: Clock,
    private readonly warningDays: readonly number[],
    private readonly instance: string,
    private readonly logger: Logger,
  ) {}

  /**
   * The check of the scheduled interval starting at `slotStart`, as of the clock. Every instance tries;
   * the first one runs it, and the others skip: at once while it runs (the lock), or after (the run record).
   */
  runScheduledCheck(slotStart: Date): Promise<ExpiryCheckOutcome> {
    return this.check(slotStart);
  }

  /** A check as of the clock, outside the schedule: waits for a check another instance is running, then runs. */
  checkNow(): Promise<ExpiryCheckOutcome> {
    return this.check(null);
  }

  private async check(slotStart: Date | null): Promise<ExpiryCheckOutcome> {
    const asOf = this.clock.now();
    const slot = slotStart?.toISOString() ?? null;
    const outcome = await this.dataSource.transaction(async (manager): Promise<ExpiryCheckOutcome> => {
      if (slotStart) {
        const [{ locked }] = (await manager.query(`SELECT pg_try_advisory_xact_lock($1::bigint) AS locked`, [EXPIRY_CHECK_LOCK_KEY])) as [
          { locked: boolean },
        ];
        if (!locked) return { ran: false, asOf, reason: 'ANOTHER_CHECK_RUNNING' };
      } else {
        await manager.query(`SELECT pg_advisory_xact_lock($1::bigint)`, [EXPIRY_CHECK_LOCK_KEY]);
      }
      const [run] = (await manager.query(
        `INSERT INTO expiry_check_runs (slot_start, as_of, instance) VALUES ($1, $2, $3)
         ON CONFLICT (slot_start) DO NOTHING RETURNING id::text AS id`,
        [slotStart, asOf, this.instance],
      )) as { id: string }[];
      if (!run) return { ran: false, asOf, reason: 'ALREADY_CHECKED' };

      const noticesRaised = await this.raiseDueNotices(manager, asOf);
      await manager.query(`UPDATE expiry_check_runs SET notices_raised = $2 WHERE id = $1`, [run.id, noticesRaised]);
      await manager.query(`DELETE FROM expiry_check_runs WHERE id <= $1::bigint - $2::bigint`, [run.id, KEPT_RUNS]);
      return { ran: true, asOf, noticesRaised };
    });
    if (outcome.ran) this.logger.info({ slot, asOf, instance: this.instance, noticesRaised: outcome.noticesRaised }, 'expiry check ran');
    else this.logger.debug({ slot, asOf, instance: this.instance, reason: outcome.reason }, 'expiry check skipped');
    return outcome;
  }

  private async raiseDueNotices(manager: EntityManager, asOf: Date): Promise<number> {
    const usages = await this.usagesNearExpiry(manager, asOf);
    if (usages.length === 0) return 0;
    const raised = (await manager.query(
      `SELECT certificate_id AS "certificateId", organization_id AS "organizationId", threshold_days AS level
       FROM certificate_expiry_notices WHERE certificate_id = ANY($1::uuid[])`,
      [[...new Set(usages.map((usage) => usage.certificate.id))]],
    )) as RaisedNotice[];
    const due = dueNotices(usages, raised, asOf, this.warningDays);
    if (due.length === 0) return 0;

    // A notice another transaction recorded meanwhile is skipped here (ON CONFLICT): its event exists already.
    const inserted = (await manager.query(
      `INSERT INTO certificate_expiry_notices (certificate_id, organization_id, threshold_days, raised_at)
       SELECT certificate_id, organization_id, threshold_days, $4 FROM unnest($1::uuid[], $2::uuid[], $3::int[]) AS due (certificate_id, organization_id, threshold_days)
       ON CONFLICT DO NOTHING
       RETURNING certificate_id AS "certificateId", organization_id AS "organizationId", threshold_days AS level`,
      [due.map((notice) => notice.certificate.id), due.map((notice) => notice.organizationId), due.map((notice) => notice.level), asOf],
    )) as RaisedNotice[];
    const isNew = new Set(inserted.map((notice) => `${notice.certificateId}/${notice.organizationId ?? ''}/${notice.level}`));
    let recorded = 0;
    for (const notice of due) {
      if (!isNew.has(`${notice.certificate.id}/${notice.organizationId ?? ''}/${notice.level}`)) continue;
      await this.events.record(manager, certificateExpiryNoticed(notice));
      recorded += 1;
    }
    return recorded;
  }

  /**
   * Certificates within the largest warning threshold (or expired), each with the organizations that
   * use it: their backup applications, and their management application (the Entra connection's); a
   * Personal certificate nobody uses counts as used by no organization. Usages whose expiry was
   * already announced are left out, so long-expired certificates cost nothing.
   */
  private async usagesNearExpiry(manager: EntityManager, asOf: Date): Promise<CertificateUsage[]> {
    const horizon = new Date(asOf.getTime() + Math.max(...this.warningDays) * DAY_MS);
    const rows = (await manager.query(
      `WITH usage AS (
         SELECT certificate_id, organization_id, application_id, display_name, false AS management
         FROM backup_applications WHERE certificate_id IS NOT NULL
         UNION ALL
         SELECT management_certificate_id, organization_id, management_app_id, NULL, true FROM entra_connections
       )
       SELECT certificate.id, certificate.thumbprint_sha1 AS thumbprint, certificate.subject, certificate.issued_to AS "issuedTo",
              certificate.not_after AS "notAfter", usage.organization_id AS "organizationId",
              usage.application_id AS "applicationId", usage.display_name AS "displayName", usage.management
       FROM certificates certificate
       LEFT JOIN usage ON usage.certificate_id = certificate.id
       WHERE certificate.not_after <= $1
         AND (usage.certificate_id IS NOT NULL OR certificate.store = 'PERSONAL')
         AND NOT EXISTS (
           SELECT 1 FROM certificate_expiry_notices notice
           WHERE notice.certificate_id = certificate.id AND notice.threshold_days = $2
             AND notice.organization_id IS NOT DISTINCT FROM usage.organization_id)
       ORDER BY certificate.not_after, certificate.id, usage.organization_id, usage.display_name, usage.application_id`,
      [horizon, EXPIRED_LEVEL],
    )) as {
      id: string;
      thumbprint: string;
      subject: string;
      issuedTo: string;
      notAfter: Date;
      organizationId: string | null;
      applicationId: string | null;
      displayName: string | null;
      management: boolean | null;
    }[];
    const usages = new Map<string, CertificateUsage & { applications: { applicationId: string; displayName: string }[] }>();
    for (const row of rows) {
      const key = `${row.id}/${row.organizationId ?? ''}`;
      let usage = usages.get(key);
      if (!usage) {
        const { id, thumbprint, subject, issuedTo, notAfter } = row;
        const certificate = { id, thumbprint, subject, issuedTo, notAfter };
        usage = { certificate, organizationId: row.organizationId, applications: [], managementApplicationId: null };
        usages.set(key, usage);
      }
      if (row.management) usage.managementApplicationId = row.applicationId;
      else if (row.applicationId) usage.applications.push({ applicationId: row.applicationId, displayName: row.displayName! });
    }
    return [...usages.values()];
  }
}
