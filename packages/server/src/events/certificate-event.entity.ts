import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** What happened. Each type has its CloudEvents `type` (see `cloudEventTypes`). */
export enum CertificateEventType {
  CERTIFICATE_UPDATED = 'CERTIFICATE_UPDATED',
  APPLICATIONS_ADDED = 'APPLICATIONS_ADDED',
  APPLICATIONS_REMOVED = 'APPLICATIONS_REMOVED',
  ORGANIZATION_ADDED = 'ORGANIZATION_ADDED',
  ORGANIZATION_REMOVED = 'ORGANIZATION_REMOVED',
  ORGANIZATION_CONNECTION_UPDATED = 'ORGANIZATION_CONNECTION_UPDATED',
  STORE_CERTIFICATE_IMPORTED = 'STORE_CERTIFICATE_IMPORTED',
  STORE_CERTIFICATE_GENERATED = 'STORE_CERTIFICATE_GENERATED',
  STORE_CERTIFICATE_REMOVED = 'STORE_CERTIFICATE_REMOVED',
  CERTIFICATE_EXPIRING = 'CERTIFICATE_EXPIRING',
  CERTIFICATE_EXPIRED = 'CERTIFICATE_EXPIRED',
}

/** The CloudEvents `type` attribute of each event type: reverse-DNS style, stable for integrators. */
export const cloudEventTypes: Record<CertificateEventType, string> = {
  CERTIFICATE_UPDATED: 'com.backup-applications-manager.certificate.updated',
  APPLICATIONS_ADDED: 'com.backup-applications-manager.applications.added',
  APPLICATIONS_REMOVED: 'com.backup-applications-manager.applications.removed',
  ORGANIZATION_ADDED: 'com.backup-applications-manager.organization.added',
  ORGANIZATION_REMOVED: 'com.backup-applications-manager.organization.removed',
  ORGANIZATION_CONNECTION_UPDATED: 'com.backup-applications-manager.organization.connection-updated',
  STORE_CERTIFICATE_IMPORTED: 'com.backup-applications-manager.store-certificate.imported',
  STORE_CERTIFICATE_GENERATED: 'com.backup-applications-manager.store-certificate.generated',
  STORE_CERTIFICATE_REMOVED: 'com.backup-applications-manager.store-certificate.removed',
  CERTIFICATE_EXPIRING: 'com.backup-applications-manager.certificate.expiring',
  CERTIFICATE_EXPIRED: 'com.backup-applications-manager.certificate.expired',
};

registerEnumType(CertificateEventType, {
  name: 'CertificateEventType',
  description: 'What a certificate event reports.',
  valuesConfig: {
    CERTIFICATE_UPDATED: {
      description: 'Applications got a new certificate (with the old and new thumbprints, and the Entra rotation step if any).',
    },
    APPLICATIONS_ADDED: { description: 'Applications joined the backup configuration of an organization.' },
    APPLICATIONS_REMOVED: { description: 'Applications left the backup configuration of an organization.' },
    ORGANIZATION_ADDED: { description: 'An organization (Entra tenant) was added.' },
    ORGANIZATION_REMOVED: { description: 'An organization was removed, with its applications.' },
    ORGANIZATION_CONNECTION_UPDATED: {
      description: "An organization's Entra connection got another management certificate or application (data: `from` and `to`).",
    },
    STORE_CERTIFICATE_IMPORTED: { description: 'A PFX file was imported into the certificate store.' },
    STORE_CERTIFICATE_GENERATED: { description: 'A self-signed certificate was generated into the certificate store.' },
    STORE_CERTIFICATE_REMOVED: { description: 'A certificate was removed from the certificate store.' },
    CERTIFICATE_EXPIRING: {
      description:
        'A certificate came within a warning threshold of its expiry (EXPIRY_WARNING_DAYS): raised once per certificate, organization and threshold, by the expiry monitor.',
    },
    CERTIFICATE_EXPIRED: { description: 'A certificate expired: raised once per certificate and organization, by the expiry monitor.' },
  },
});

@ObjectType({
  description:
    'One recorded change, from the event log (outbox): written in the same transaction as the change, so every committed change has exactly one event.',
})
// Read through the log view, which puts back the applications a bulk change's event lists in its audit entry.
@Entity('certificate_event_log')
export class CertificateEvent {
  /** Place in the log (bigint, as a decimal string): orders events and de-duplicates a resumed subscription. */
  @Field(() => String, { description: 'Place of the event in the log: increases with every event (a decimal number, as text).' })
  @PrimaryColumn('bigint')
  position: string;

  @Field(() => ID, { description: 'Unique id of the event (the CloudEvents `id`); pass it as `after` to resume a subscription.' })
  @Column('uuid', { unique: true })
  id: string;

  @Field(() => Date, { description: 'When the change was made.' })
  @Column('timestamptz')
  time: Date;

  @Field(() => CertificateEventType, { description: 'What happened.' })
  @Column('text')
  type: CertificateEventType;

  @Field(() => ID, { nullable: true, description: 'The organization concerned; null for certificate store events.' })
  @Column('uuid', { name: 'organization_id', nullable: true })
  organizationId: string | null;

  @Field(() => [ID], { description: 'Application (client) ids of the applications concerned; empty when none.' })
  @Column('uuid', { name: 'application_ids', array: true })
  applicationIds: string[];

  @Field(() => String, { description: 'Who made the change.' })
  @Column('text')
  actor: string;

  @Field(() => GraphQLJSONObject, {
    description:
      'The event as a CloudEvents 1.0 JSON object (specversion, id, source, type, time, sequence, datacontenttype, data), as webhooks send it.',
  })
  @Column('jsonb', { name: 'cloud_event' })
  cloudEvent: Record<string, unknown>;
}
