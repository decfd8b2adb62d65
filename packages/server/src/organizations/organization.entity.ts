import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, OneToMany, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import type { BackupApplication } from '../applications/backup-application.entity.js';

// Lists return hundreds of these: plain fields skip type-graphql's per-field wrapper (see simple-resolvers.test.ts).
@ObjectType({ simpleResolvers: true, description: 'A Microsoft 365 organization (tenant) whose data this server backs up.' })
@Entity('organizations')
export class Organization {
  @Field(() => ID, { description: 'Id of the organization in this server.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => String, { description: 'Primary domain of the organization, e.g. `contoso.onmicrosoft.com`.' })
  // Unique ignoring case: the index on lower(name) is the migration's (1795738301100).
  @Column('text')
  name: string;

  @Field(() => String, { description: 'Microsoft Entra tenant id (GUID).' })
  @Column('uuid', { name: 'tenant_id', unique: true })
  tenantId: string;

  @Field(() => String, { description: 'Microsoft 365 region (data location) of the organization, e.g. `Worldwide`.' })
  @Column('text')
  region: string;

  @Field(() => Date, { description: 'When the organization was added to this server.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @OneToMany('BackupApplication', (application: BackupApplication) => application.organization)
  backupApplications: Relation<BackupApplication[]>;
}
