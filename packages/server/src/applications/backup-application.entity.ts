import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, type Relation } from 'typeorm';
import type { Certificate } from '../certificates/certificate.entity.js';
import type { Organization } from '../organizations/organization.entity.js';

// Lists return hundreds of these: plain fields skip type-graphql's per-field wrapper (see simple-resolvers.test.ts).
@ObjectType({
  simpleResolvers: true,
  description: 'A Microsoft Entra application of an organization that the backup server signs in as, app-only, with a certificate.',
})
@Entity('backup_applications')
@Unique('backup_applications_organization_application_key', ['organizationId', 'applicationId'])
export class BackupApplication {
  @Field(() => ID, { description: 'Id of this backup application record in this server.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => ID, { description: 'Id of the organization the application belongs to.' })
  @Column('uuid', { name: 'organization_id' })
  organizationId: string;

  @ManyToOne('Organization', (organization: Organization) => organization.backupApplications, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id' })
  organization: Relation<Organization>;

  @Field(() => ID, {
    description: 'Application (client) id of the Entra application (GUID). Mutations name applications by this id.',
  })
  @Column('uuid', { name: 'application_id' })
  applicationId: string;

  @Field(() => String, { description: 'Display name of the Entra application.' })
  @Column('text', { name: 'display_name' })
  displayName: string;

  @Field(() => Date, { description: 'When the application was added to the backup configuration.' })
  @CreateDateColumn({ name: 'added_at', type: 'timestamptz' })
  addedAt: Date;

  @Column('uuid', { name: 'certificate_id', nullable: true })
  certificateId: string | null;

  @ManyToOne('Certificate', { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'certificate_id' })
  certificate: Relation<Certificate> | null;
}
