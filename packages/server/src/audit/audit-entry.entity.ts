import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ActorKind } from '../common/actor.js';

/** What an audit entry records. */
export enum AuditAction {
  SIGN_IN = 'SIGN_IN',
  SIGN_IN_FAILED = 'SIGN_IN_FAILED',
  SIGN_IN_THROTTLED = 'SIGN_IN_THROTTLED',
  SIGN_OUT = 'SIGN_OUT',
  PASSWORD_CHANGED = 'PASSWORD_CHANGED',
  USER_CREATED = 'USER_CREATED',
  USER_UPDATED = 'USER_UPDATED',
  API_TOKEN_CREATED = 'API_TOKEN_CREATED',
  API_TOKEN_REVOKED = 'API_TOKEN_REVOKED',
  CERTIFICATE_UPDATED = 'CERTIFICATE_UPDATED',
  APPLICATIONS_REMOVED = 'APPLICATIONS_REMOVED',
  STORE_CERTIFICATE_IMPORTED = 'STORE_CERTIFICATE_IMPORTED',
  STORE_CERTIFICATE_GENERATED = 'STORE_CERTIFICATE_GENERATED',
  STORE_CERTIFICATE_REMOVED = 'STORE_CERTIFICATE_REMOVED',
  ORGANIZATION_ADDED = 'ORGANIZATION_ADDED',
  ORGANIZATION_REMOVED = 'ORGANIZATION_REMOVED',
  ORGANIZATION_CONNECTION_UPDATED = 'ORGANIZATION_CONNECTION_UPDATED',
  APPLICATIONS_ADDED = 'APPLICATIONS_ADDED',
  APPLICATIONS_VERIFIED = 'APPLICATIONS_VERIFIED',
  WEBHOOK_ENDPOINT_CREATED = 'WEBHOOK_ENDPOINT_CREATED',
  WEBHOOK_ENDPOINT_UPDATED = 'WEBHOOK_ENDPOINT_UPDATED',
  WEBHOOK_ENDPOINT_DISABLED = 'WEBHOOK_ENDPOINT_DISABLED',
  WEBHOOK_SECRET_ROTATED = 'WEBHOOK_SECRET_ROTATED',
  WEBHOOK_ENDPOINT_DELETED = 'WEBHOOK_ENDPOINT_DELETED',
  WEBHOOK_EVENT_RESENT = 'WEBHOOK_EVENT_RESENT',
}

registerEnumType(AuditAction, {
  name: 'AuditAction',
  description: 'What an audit entry records.',
  valuesConfig: {
    SIGN_IN: { description: 'An account signed in.' },
    SIGN_IN_FAILED: { description: 'A sign-in was refused: unknown username, wrong password or disabled account (details.username).' },
    SIGN_IN_THROTTLED: { description: 'A sign-in was refused unchecked: too many failures for the username or address.' },
    SIGN_OUT: { description: 'An account signed out.' },
    PASSWORD_CHANGED: { description: 'An account changed its own password.' },
    USER_CREATED: { description: 'An administrator created an account.' },
    USER_UPDATED: { description: "An administrator changed an account's role, organizations, state or password." },
    API_TOKEN_CREATED: { description: 'An administrator created an API token.' },
    API_TOKEN_REVOKED: { description: 'An administrator revoked an API token.' },
    CERTIFICATE_UPDATED: { description: 'Applications got a new certificate (details: old and new thumbprints).' },
    APPLICATIONS_REMOVED: { description: 'Applications left the backup configuration.' },
    STORE_CERTIFICATE_IMPORTED: { description: 'A PFX file was imported into the certificate store.' },
    STORE_CERTIFICATE_GENERATED: { description: 'A self-signed certificate was generated into the store.' },
    STORE_CERTIFICATE_REMOVED: { description: 'A certificate was removed from the store.' },
    ORGANIZATION_ADDED: {
      description: 'An organization was added with its Entra connection (details: tenant, cloud, management application and certificate thumbprint).',
    },
    ORGANIZATION_REMOVED: {
      description:
        'An organization was removed with its Entra connection and its applications (details: the applications, and the accounts and API tokens whose organization limit it left).',
    },
    ORGANIZATION_CONNECTION_UPDATED: {
      description:
        "An organization's Entra connection got another management certificate or application (details: `from` and `to`, each with the application id and the certificate's id and thumbprint).",
    },
    APPLICATIONS_ADDED: { description: 'Applications of the Entra tenant joined the backup configuration.' },
    APPLICATIONS_VERIFIED: {
      description: 'Applications were checked against Entra and their recorded Entra status changed or was confirmed (details: status each).',
    },
    WEBHOOK_ENDPOINT_CREATED: { description: 'An administrator registered a webhook endpoint.' },
    WEBHOOK_ENDPOINT_UPDATED: {
      description:
        "An administrator changed a webhook endpoint's URL, event types, organizations, description, or enabled or disabled it (details.changes: each changed field, from and to).",
    },
    WEBHOOK_ENDPOINT_DISABLED: { description: 'The server disabled a webhook endpoint that kept failing (details.reason).' },
    WEBHOOK_SECRET_ROTATED: { description: "An administrator replaced a webhook endpoint's signing secret." },
    WEBHOOK_ENDPOINT_DELETED: { description: 'An administrator deleted a webhook endpoint and its deliveries.' },
    WEBHOOK_EVENT_RESENT: { description: 'An administrator re-sent an event to a webhook endpoint.' },
  },
});

export enum AuditActorKind {
  USER = 'USER',
  TOKEN = 'TOKEN',
  SYSTEM = 'SYSTEM',
  ANONYMOUS = 'ANONYMOUS',
}

registerEnumType(AuditActorKind, {
  name: 'ActorKind',
  description: 'Who acted.',
  valuesConfig: {
    USER: { description: 'A signed-in account.' },
    TOKEN: { description: 'A script with an API token.' },
    SYSTEM: { description: 'The server itself (start-up, command line).' },
    ANONYMOUS: { description: 'Nobody signed in (failed and throttled sign-ins).' },
  },
});

@ObjectType({ description: 'One entry of the audit log: who did what, when, and from where. Entries never change.' })
@Entity('audit_log')
export class AuditEntry {
  @Field(() => ID, { description: 'Id of the entry.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Order of writing, for pagination. */
  @Column({ type: 'bigint', insert: false })
  seq: string;

  @Field(() => Date, { description: 'When it happened.' })
  @Column({ type: 'timestamptz', name: 'occurred_at', insert: false })
  occurredAt: Date;

  @Field(() => AuditAction, { description: 'What happened.' })
  @Column('text')
  action: AuditAction;

  @Field(() => AuditActorKind, { description: 'Whether an account, an API token, the server or nobody acted.' })
  @Column('text', { name: 'actor_kind' })
  actorKind: ActorKind;

  @Field(() => String, { description: 'Stable id of the actor: `user:<username>`, `token:<token id>`, `system` or `anonymous`.' })
  @Column('text', { name: 'actor_id' })
  actorId: string;

  @Field(() => String, { description: 'Username or token name of the actor.' })
  @Column('text', { name: 'actor_name' })
  actorName: string;

  @Field(() => ID, { nullable: true, description: 'The organization the change concerns, when it concerns one.' })
  @Column('uuid', { name: 'organization_id', nullable: true })
  organizationId: string | null;

  @Field(() => String, { nullable: true, description: 'Address the request came from.' })
  @Column('text', { name: 'client_ip', nullable: true })
  clientIp: string | null;

  @Field(() => String, { nullable: true, description: 'User agent of the request.' })
  @Column('text', { name: 'user_agent', nullable: true })
  userAgent: string | null;

  @Field(() => GraphQLJSONObject, { description: 'What changed, by action: ids, names, thumbprints. Never a secret.' })
  @Column('jsonb')
  details: Record<string, unknown>;
}
