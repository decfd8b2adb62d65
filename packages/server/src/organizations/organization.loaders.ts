import { CertificateStatus, certificateStatus, EXPIRING_SOON_DAYS } from '@bam/shared';
import DataLoader from 'dataloader';
import { type DataSource, In } from 'typeorm';
import type { BackupApplication } from '../applications/backup-application.entity.js';
import { rowLoader } from '../common/batch-loaders.js';
import { Organization } from './organization.entity.js';

/** An organization's applications counted by the state of their certificate (the API's `CertificateSummary`). */
export type CertificateCounts = Record<
  'applications' | 'configured' | 'notConfigured' | 'valid' | 'expiringSoon' | 'expired' | 'notYetValid',
  number
>;

/** Batches organization look-ups of one request into one statement. */
function createOrganizationLoader(dataSource: DataSource): DataLoader<string, Organization | null> {
  return rowLoader(
    (ids) => dataSource.getRepository(Organization).findBy({ id: In(ids) }),
    (row) => row.id,
  );
}

const noApplications: CertificateCounts = {
  applications: 0,
  configured: 0,
  notConfigured: 0,
  valid: 0,
  expiringSoon: 0,
  expired: 0,
  notYetValid: 0,
};

const countOfStatus = {
  [CertificateStatus.VALID]: 'valid',
  [CertificateStatus.EXPIRING_SOON]: 'expiringSoon',
  [CertificateStatus.EXPIRED]: 'expired',
  [CertificateStatus.NOT_YET_VALID]: 'notYetValid',
} as const;

/** Counts applications (their certificates with `notBefore` and `notAfter`) with `certificateStatus`, as `status` does. */
function countCertificates(applications: BackupApplication[], now: Date): CertificateCounts {
  const counts = { ...noApplications, applications: applications.length };
  for (const { certificate } of applications) {
    if (!certificate) counts.notConfigured += 1;
    else {
      counts.configured += 1;
      counts[countOfStatus[certificateStatus(certificate, now)]] += 1;
    }
  }
  return counts;
}

/**
 * Counts applications by certificate state for every organization a request touches. An organization
 * whose applications the same request lists with their certificates (`listedWithCertificates`, filled
 * before the batch dispatches: DataLoader waits for the level's resolvers) is counted from that list,
 * with the same rules and clock as the certificates' `status`; the others in one aggregate statement,
 * the same rules evaluated by the database.
 */
function createCertificateSummaryLoader(
  dataSource: DataSource,
  listedWithCertificates: Map<string, Promise<BackupApplication[]>>,
): DataLoader<string, CertificateCounts> {
  return new DataLoader(async (organizationIds) => {
    const counted = organizationIds.filter((id) => !listedWithCertificates.has(id));
    const rows: (CertificateCounts & { organizationId: string })[] =
      counted.length === 0
        ? []
        : await dataSource.query(
            `SELECT application.organization_id AS "organizationId",
               count(*)::int AS applications,
               count(certificate.id)::int AS configured,
               count(*) FILTER (WHERE certificate.id IS NULL)::int AS "notConfigured",
               count(*) FILTER (WHERE certificate.not_after <= now())::int AS expired,
               count(*) FILTER (WHERE certificate.not_after > now() AND certificate.not_before > now())::int AS "notYetValid",
               count(*) FILTER (WHERE certificate.not_before <= now() AND certificate.not_after > now()
                                  AND certificate.not_after <= now() + make_interval(days => $2))::int AS "expiringSoon",
               count(*) FILTER (WHERE certificate.not_before <= now() AND certificate.not_after > now() + make_interval(days => $2))::int AS valid
             FROM backup_applications application
             LEFT JOIN certificates certificate ON certificate.id = application.certificate_id
             WHERE application.organization_id = ANY($1::uuid[])
             GROUP BY application.organization_id`,
            [counted, EXPIRING_SOON_DAYS],
          );
    const byOrganization = new Map(rows.map(({ organizationId, ...counts }) => [organizationId, counts]));
    const now = new Date();
    return Promise.all(
      organizationIds.map(async (id) => {
        const listed = listedWithCertificates.get(id);
        return listed ? countCertificates(await listed, now) : (byOrganization.get(id) ?? noApplications);
      }),
    );
  });
}

/** The organization domain's loaders for one request. */
export function createOrganizationLoaders(dataSource: DataSource) {
  const listedWithCertificates = new Map<string, Promise<BackupApplication[]>>();
  return {
    organization: createOrganizationLoader(dataSource),
    certificateSummary: createCertificateSummaryLoader(dataSource, listedWithCertificates),
    /** Records that the request lists an organization's applications with their certificates (`notBefore`, `notAfter` among their columns). */
    listedWithCertificates(organizationId: string, applications: Promise<BackupApplication[]>): void {
      listedWithCertificates.set(organizationId, applications);
    },
  };
}
