import { EXPIRING_SOON_DAYS } from '@bam/shared';
import DataLoader from 'dataloader';
import { type DataSource, In } from 'typeorm';
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

/**
 * Counts applications by certificate state for every organization a request touches, in one
 * aggregate statement — the same rules as `certificateStatus` in @bam/shared, evaluated by the database.
 */
function createCertificateSummaryLoader(dataSource: DataSource): DataLoader<string, CertificateCounts> {
  return new DataLoader(async (organizationIds) => {
    const rows: (CertificateCounts & { organizationId: string })[] = await dataSource.query(
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
      [organizationIds, EXPIRING_SOON_DAYS],
    );
    const byOrganization = new Map(rows.map(({ organizationId, ...counts }) => [organizationId, counts]));
    const none = { applications: 0, configured: 0, notConfigured: 0, valid: 0, expiringSoon: 0, expired: 0, notYetValid: 0 };
    return organizationIds.map((id) => byOrganization.get(id) ?? none);
  });
}

/** The organization domain's loaders for one request. */
export function createOrganizationLoaders(dataSource: DataSource) {
  return { organization: createOrganizationLoader(dataSource), certificateSummary: createCertificateSummaryLoader(dataSource) };
}
