import { Column, Entity, PrimaryColumn } from 'typeorm';

/** How the server manages an organization's tenant in Entra: its cloud, management application and certificate. */
@Entity('entra_connections')
export class EntraConnection {
  @PrimaryColumn('uuid', { name: 'organization_id' })
  organizationId: string;

  @Column('text')
  /** One of the clouds of `config.entra.clouds` (checked by the table too). */
  cloud: 'WORLDWIDE' | 'US_GOVERNMENT' | 'CHINA';

  @Column('uuid', { name: 'management_app_id' })
  managementAppId: string;

  @Column('uuid', { name: 'management_certificate_id' })
  managementCertificateId: string;

  @Column('timestamptz', { name: 'connected_at', default: () => 'now()' })
  connectedAt: Date;
}
