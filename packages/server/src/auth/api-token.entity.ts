import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Role } from '../common/actor.js';

@ObjectType({ description: 'An API token for scripts, sent as `Authorization: Bearer <secret>`. Its secret is shown once, at creation.' })
@Entity('api_tokens')
export class ApiToken {
  @Field(() => ID, { description: 'Id of the token (not its secret).' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => String, { description: 'What the token is for, e.g. the script that uses it.' })
  @Column('text')
  name: string;

  /** SHA-256 of the secret: enough for 256 random bits, and fast to check on every request. */
  @Column('bytea', { name: 'secret_hash', unique: true })
  secretHash: Buffer;

  @Field(() => Role, { description: 'What the token may do.' })
  @Column('text')
  role: Role;

  @Field(() => [ID], { nullable: true, description: 'Organizations the token may see and act on; null: all of them.' })
  @Column('uuid', { name: 'organization_ids', array: true, nullable: true })
  organizationIds: string[] | null;

  @Field(() => Date, { description: 'When the token stops working.' })
  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Field(() => Date, { description: 'When the token was created.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field(() => String, { description: 'Who created the token (`user:<username>`).' })
  @Column('text', { name: 'created_by' })
  createdBy: string;

  @Field(() => Date, { nullable: true, description: 'When the token was revoked; null while it is not.' })
  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the token was last used; null if never.' })
  @Column('timestamptz', { name: 'last_used_at', nullable: true })
  lastUsedAt: Date | null;
}
