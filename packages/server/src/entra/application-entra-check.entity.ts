import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Whether Entra holds an application's current certificate, as last verified. */
export enum EntraKeyStatus {
  REGISTERED = 'REGISTERED',
  MISSING = 'MISSING',
  APPLICATION_MISSING = 'APPLICATION_MISSING',
  NOT_CONFIGURED = 'NOT_CONFIGURED',
}

/** The last drift check of one backup application against Entra. */
@Entity('application_entra_checks')
export class ApplicationEntraCheck {
  @PrimaryColumn('uuid', { name: 'backup_application_id' })
  backupApplicationId: string;

  @Column('text')
  status: EntraKeyStatus;

  /** Thumbprint of the certificate the check was about: a later certificate change makes the check stale. */
  @Column('char', { length: 40, nullable: true })
  thumbprint: string | null;

  @Column('timestamptz', { name: 'verified_at' })
  verifiedAt: Date;
}
