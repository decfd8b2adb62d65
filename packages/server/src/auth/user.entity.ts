import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Role } from '../common/actor.js';

registerEnumType(Role, {
  name: 'Role',
  description: 'What an account or API token may do; each role includes the ones before it.',
  valuesConfig: {
    VIEWER: { description: 'Reads organizations, applications, certificates and the store.' },
    OPERATOR: { description: 'Also updates certificates, removes applications, imports, generates and removes store certificates.' },
    ADMINISTRATOR: { description: 'Also manages accounts and API tokens and reads the audit log. Never limited to some organizations.' },
  },
});

@ObjectType({ description: 'An operator account that signs in to the console and the API.' })
@Entity('users')
export class User {
  @Field(() => ID, { description: 'Id of the account.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => String, { description: 'Name used to sign in (lower case; never changes).' })
  @Column('text', { unique: true })
  username: string;

  /** argon2id hash in PHC format; never leaves the server. */
  @Column('text', { name: 'password_hash' })
  passwordHash: string;

  @Field(() => Role, { description: 'What the account may do.' })
  @Column('text')
  role: Role;

  @Field(() => [ID], { nullable: true, description: 'Organizations the account may see and act on; null: all of them.' })
  @Column('uuid', { name: 'organization_ids', array: true, nullable: true })
  organizationIds: string[] | null;

  @Field(() => Boolean, { description: 'Whether the account must change its password at its next sign-in.' })
  @Column('boolean', { name: 'must_change_password' })
  mustChangePassword: boolean;

  @Field(() => Boolean, { description: 'Disabled accounts cannot sign in; their sessions have ended.' })
  @Column('boolean')
  disabled: boolean;

  @Field(() => Date, { description: 'When the account was created.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field(() => Date, { description: 'When the password was last set.' })
  @Column('timestamptz', { name: 'password_changed_at' })
  passwordChangedAt: Date;
}
