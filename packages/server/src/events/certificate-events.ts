import { type Actor, systemActor } from '../common/actor.js';
import { CertificateEventType } from './certificate-event.entity.js';

/**
 * An event to record, as a change's service describes it. The outbox adds the id, time and position
 * and wraps `data` in a CloudEvents 1.0 envelope; `data` always repeats the actor and the ids so that
 * a webhook receiver needs nothing else.
 */
export interface NewCertificateEvent {
  type: CertificateEventType;
  /** Null for certificate store events, which concern no organization. */
  organizationId: string | null;
  applicationIds: readonly string[];
  actor: Actor;
  /** CloudEvents `subject`: what the event is about within its source, when more precise than the source. */
  subject?: string;
  data: Record<string, unknown>;
}

/** A certificate as events describe it. */
export interface EventCertificate {
  id: string;
  thumbprint: string;
  notAfter: Date;
}

/**
 * Applications (all of one organization) got a new certificate: each one's previous thumbprint (from
 * `current`, the certificates they had, by id), the new one and its expiry, and the Entra rotation step.
 */
export function certificateUpdated(change: {
  applications: readonly { applicationId: string; organizationId: string; certificateId: string | null }[];
  current: ReadonlyMap<string, { thumbprint: string }>;
  certificate: EventCertificate & { issuedTo: string; issuedBy: string; notBefore: Date };
  /** Where the certificate came from: `STORE` or `PFX_FILE`. */
  source: string;
  /** The Entra key rotation step reached when the database switched (`SWITCHED`); null without Entra. */
  rotationStep: string | null;
  actor: Actor;
}): NewCertificateEvent {
  const { current, certificate, source, rotationStep, actor } = change;
  const organizationId = change.applications[0]!.organizationId;
  const applications = change.applications.map((application) => ({
    applicationId: application.applicationId,
    previousThumbprint: application.certificateId ? (current.get(application.certificateId)?.thumbprint ?? null) : null,
  }));
  return {
    type: CertificateEventType.CERTIFICATE_UPDATED,
    organizationId,
    applicationIds: applications.map((application) => application.applicationId),
    actor,
    subject: certificate.thumbprint,
    data: {
      organizationId,
      actor: actor.id,
      applications: applications.map(({ applicationId, previousThumbprint }) => ({ applicationId, previousThumbprint })),
      // Names and validity too, so a subscriber (the console) can show the new certificate without reading it again.
      certificate: {
        id: certificate.id,
        thumbprint: certificate.thumbprint,
        issuedTo: certificate.issuedTo,
        issuedBy: certificate.issuedBy,
        notBefore: certificate.notBefore.toISOString(),
        notAfter: certificate.notAfter.toISOString(),
      },
      source,
      entra: rotationStep ? { rotationStep } : null,
    },
  };
}

/** What the expiry monitor announces about one certificate, to one organization or (used by no application) to none. */
export interface ExpiryNotice {
  certificate: EventCertificate & { subject: string; issuedTo: string };
  /** Null: no application uses the certificate, so the notice concerns the certificate store only. */
  organizationId: string | null;
  /** The organization's backup applications that use the certificate; may be empty. */
  applications: readonly { applicationId: string; displayName: string }[];
  /** The organization's management application (its Entra connection), when it signs in with this certificate. */
  managementApplicationId: string | null;
  /** The warning threshold crossed, in days; null: the certificate has expired. */
  thresholdDays: number | null;
  /** Whole days left before `notAfter`, rounded down: 0 on the last day and once expired. */
  daysLeft: number;
}

/** A certificate came within a warning threshold (`CERTIFICATE_EXPIRING`) or expired (`CERTIFICATE_EXPIRED`); the server is the actor. */
export function certificateExpiryNoticed(notice: ExpiryNotice): NewCertificateEvent {
  const { certificate, organizationId, applications, managementApplicationId, thresholdDays, daysLeft } = notice;
  return {
    type: thresholdDays === null ? CertificateEventType.CERTIFICATE_EXPIRED : CertificateEventType.CERTIFICATE_EXPIRING,
    organizationId,
    applicationIds: applications.map((application) => application.applicationId),
    actor: systemActor,
    subject: certificate.thumbprint,
    data: {
      organizationId,
      actor: systemActor.id,
      certificate: {
        id: certificate.id,
        thumbprint: certificate.thumbprint,
        subject: certificate.subject,
        issuedTo: certificate.issuedTo,
        notAfter: certificate.notAfter.toISOString(),
      },
      ...(thresholdDays === null ? {} : { thresholdDays }),
      daysLeft,
      applications: applications.map(({ applicationId, displayName }) => ({ applicationId, displayName })),
      managementApplicationId,
    },
  };
}

/** Applications joined (`APPLICATIONS_ADDED`) or left (`APPLICATIONS_REMOVED`) an organization's backup configuration. */
function applicationsChanged(
  type: typeof CertificateEventType.APPLICATIONS_ADDED | typeof CertificateEventType.APPLICATIONS_REMOVED,
  organizationId: string,
  applications: readonly { applicationId: string; displayName: string }[],
  actor: Actor,
): NewCertificateEvent {
  return {
    type,
    organizationId,
    applicationIds: applications.map((application) => application.applicationId),
    actor,
    data: {
      organizationId,
      actor: actor.id,
      applications: applications.map(({ applicationId, displayName }) => ({ applicationId, displayName })),
    },
  };
}

/** An organization was added (`ORGANIZATION_ADDED`) or removed with its applications (`ORGANIZATION_REMOVED`). */
function organizationChanged(
  type: typeof CertificateEventType.ORGANIZATION_ADDED | typeof CertificateEventType.ORGANIZATION_REMOVED,
  organization: { id: string; name: string; tenantId: string | null },
  actor: Actor,
): NewCertificateEvent {
  return {
    type,
    organizationId: organization.id,
    applicationIds: [],
    actor,
    data: { organizationId: organization.id, actor: actor.id, name: organization.name, tenantId: organization.tenantId },
  };
}

/** How an organization signs in to its tenant: the management application and certificate, as events and the audit log name them. */
export interface ManagementCredentials {
  managementApplicationId: string;
  managementCertificateId: string;
  managementCertificateThumbprint: string;
}

/** An organization's Entra connection switched management certificate or application (`ORGANIZATION_CONNECTION_UPDATED`). */
export function organizationConnectionUpdated(
  organization: EventOrganization,
  change: { from: ManagementCredentials; to: ManagementCredentials },
  actor: Actor,
): NewCertificateEvent {
  return {
    type: CertificateEventType.ORGANIZATION_CONNECTION_UPDATED,
    organizationId: organization.id,
    applicationIds: [],
    actor,
    subject: change.to.managementCertificateThumbprint,
    data: {
      organizationId: organization.id,
      actor: actor.id,
      name: organization.name,
      tenantId: organization.tenantId,
      from: change.from,
      to: change.to,
    },
  };
}

/** A certificate entered (imported, generated) or left the certificate store. */
function storeCertificateChanged(
  type:
    | typeof CertificateEventType.STORE_CERTIFICATE_IMPORTED
    | typeof CertificateEventType.STORE_CERTIFICATE_GENERATED
    | typeof CertificateEventType.STORE_CERTIFICATE_REMOVED,
  certificate: EventCertificate & { issuedTo: string },
  actor: Actor,
): NewCertificateEvent {
  return {
    type,
    organizationId: null,
    applicationIds: [],
    actor,
    subject: certificate.thumbprint,
    data: {
      actor: actor.id,
      certificate: {
        id: certificate.id,
        thumbprint: certificate.thumbprint,
        issuedTo: certificate.issuedTo,
        notAfter: certificate.notAfter.toISOString(),
      },
    },
  };
}

type EventApplication = { applicationId: string; displayName: string; organizationId: string };
type EventOrganization = { id: string; name: string; tenantId: string | null };
type EventStoreCertificate = EventCertificate & { issuedTo: string };

/** Applications (all of one organization) joined its backup configuration. */
export const applicationsAdded = (applications: readonly EventApplication[], actor: Actor) =>
  applicationsChanged(CertificateEventType.APPLICATIONS_ADDED, applications[0]!.organizationId, applications, actor);
/** Applications (all of one organization) left its backup configuration. */
export const applicationsRemoved = (applications: readonly EventApplication[], actor: Actor) =>
  applicationsChanged(CertificateEventType.APPLICATIONS_REMOVED, applications[0]!.organizationId, applications, actor);
export const organizationAdded = (organization: EventOrganization, actor: Actor) =>
  organizationChanged(CertificateEventType.ORGANIZATION_ADDED, organization, actor);
export const organizationRemoved = (organization: EventOrganization, actor: Actor) =>
  organizationChanged(CertificateEventType.ORGANIZATION_REMOVED, organization, actor);
export const storeCertificateImported = (certificate: EventStoreCertificate, actor: Actor) =>
  storeCertificateChanged(CertificateEventType.STORE_CERTIFICATE_IMPORTED, certificate, actor);
export const storeCertificateGenerated = (certificate: EventStoreCertificate, actor: Actor) =>
  storeCertificateChanged(CertificateEventType.STORE_CERTIFICATE_GENERATED, certificate, actor);
export const storeCertificateRemoved = (certificate: EventStoreCertificate, actor: Actor) =>
  storeCertificateChanged(CertificateEventType.STORE_CERTIFICATE_REMOVED, certificate, actor);
