import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Where the certificate set on an application came from. */
export enum CertificateChangeSource {
  STORE = 'STORE',
  PFX_FILE = 'PFX_FILE',
}

registerEnumType(CertificateChangeSource, {
  name: 'CertificateChangeSource',
  description: 'Where the certificate set on an application came from.',
  valuesConfig: {
    STORE: { description: 'Chosen from the certificate store of this server.' },
    PFX_FILE: { description: 'Imported from a PFX file in the same request.' },
  },
});

@ObjectType({ description: "One change of an application's certificate: which certificate, when, and who set it." })
@Entity('certificate_changes')
export class CertificateChange {
  @Field(() => ID, { description: 'Id of the change.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'backup_application_id' })
  backupApplicationId: string;

  /** Null once the certificate has been removed from the store; the thumbprint stays. */
  @Column('uuid', { name: 'certificate_id', nullable: true })
  certificateId: string | null;

  @Field(() => String, { description: 'SHA-1 thumbprint of the certificate set.' })
  @Column('char', { length: 40 })
  thumbprint: string;

  @Field(() => Date, { description: 'Expiry of the certificate set.' })
  @Column('timestamptz', { name: 'not_after' })
  notAfter: Date;

  @Field(() => String, { nullable: true, description: 'SHA-1 thumbprint of the certificate it replaced; null when none was configured.' })
  @Column('char', { name: 'previous_thumbprint', length: 40, nullable: true })
  previousThumbprint: string | null;

  @Field(() => CertificateChangeSource, { description: 'Where the certificate came from.' })
  @Column('text')
  source: CertificateChangeSource;

  @Field(() => String, { description: 'Who made the change: `user:<username>`, `token:<token id>` or `system` (command line).' })
  @Column('text', { name: 'changed_by' })
  changedBy: string;

  @Field(() => Date, { description: 'When the change was made.' })
  @CreateDateColumn({ name: 'changed_at', type: 'timestamptz' })
  changedAt: Date;
}
