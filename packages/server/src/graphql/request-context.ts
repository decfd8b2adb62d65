import type { DataSource } from 'typeorm';
import { createApplicationsByCertificateLoader, createApplicationsByOrganizationLoader } from '../applications/backup-application.loaders.js';
import { createCertificateChangesByApplicationLoader } from '../certificates/certificate-change.loaders.js';
import { createCertificateLoader } from '../certificates/certificate.loaders.js';
import { type Actor, systemActor } from '../common/actor.js';
import { createCertificateSummaryLoader, createOrganizationLoader } from '../organizations/organization.loaders.js';

/** Per-request state: who is acting, and loaders that batch and cache reads for this request only. */
export interface RequestContext {
  actor: Actor;
  /** Aborts when an HTTP client goes away before its answer is sent; absent over WebSockets. */
  signal?: AbortSignal;
  loaders: {
    organization: ReturnType<typeof createOrganizationLoader>;
    applicationsByOrganization: ReturnType<typeof createApplicationsByOrganizationLoader>;
    certificate: ReturnType<typeof createCertificateLoader>;
    applicationsByCertificate: ReturnType<typeof createApplicationsByCertificateLoader>;
    certificateChangesByApplication: ReturnType<typeof createCertificateChangesByApplicationLoader>;
    certificateSummary: ReturnType<typeof createCertificateSummaryLoader>;
  };
}

export function createRequestContext(dataSource: DataSource, signal?: AbortSignal): RequestContext {
  return {
    actor: systemActor,
    signal,
    loaders: {
      organization: createOrganizationLoader(dataSource),
      applicationsByOrganization: createApplicationsByOrganizationLoader(dataSource),
      certificate: createCertificateLoader(dataSource),
      applicationsByCertificate: createApplicationsByCertificateLoader(dataSource),
      certificateChangesByApplication: createCertificateChangesByApplicationLoader(dataSource),
      certificateSummary: createCertificateSummaryLoader(dataSource),
    },
  };
}
