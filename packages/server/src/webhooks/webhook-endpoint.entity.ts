import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { CertificateEventType } from '../events/certificate-event.entity.js';

@ObjectType({
  description:
    'A URL that receives certificate events as signed HTTP POSTs (Standard Webhooks headers, CloudEvents JSON body). Its signing secret is shown only when created or rotated.',
})
@Entity('webhook_endpoints')
export class WebhookEndpoint {
  @Field(() => ID, { description: 'Id of the endpoint.' })
  @PrimaryColumn('uuid')
  id: string;

  @Field(() => String, { description: 'Where deliveries are POSTed: https://, or http:// for the loopback only.' })
  @Column('text')
  url: string;

  @Field(() => String, { description: 'What the endpoint is for; may be empty.' })
  @Column('text')
  description: string;

  @Field(() => [CertificateEventType], { description: 'The event types delivered to it.' })
  @Column('text', { name: 'event_types', array: true })
  eventTypes: CertificateEventType[];

  @Field(() => [ID], {
    nullable: true,
    description: 'Only events of these organizations are delivered (certificate store events concern none); null: every event of the chosen types.',
  })
  @Column('uuid', { name: 'organization_ids', array: true, nullable: true })
  organizationIds: string[] | null;

  /** The signing secret (`whsec_…`), sealed under the master key with the endpoint id as associated data. Never in the API. */
  @Column('bytea', { name: 'secret_ciphertext' })
  secretCiphertext: Buffer;

  @Column('text', { name: 'master_key_id' })
  masterKeyId: string;

  /** Events at or before this outbox position were recorded before the endpoint existed: never delivered to it. */
  @Column('bigint', { name: 'starts_after_position' })
  startsAfterPosition: string;

  @Field(() => Boolean, { description: 'Whether events are delivered to it now.' })
  @Column('boolean')
  enabled: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'Why it was disabled (by an administrator, or by the server after repeated failure); null while enabled.',
  })
  @Column('text', { name: 'disabled_reason', nullable: true })
  disabledReason: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was disabled; null while enabled.' })
  @Column('timestamptz', { name: 'disabled_at', nullable: true })
  disabledAt: Date | null;

  /** Deliveries given up in a row; a success resets it. */
  @Column('integer', { name: 'given_up_in_a_row' })
  givenUpInARow: number;

  @Field(() => Date, {
    nullable: true,
    description: 'Since when its deliveries have been failing without a success; null when the last attempt succeeded.',
  })
  @Column('timestamptz', { name: 'failing_since', nullable: true })
  failingSince: Date | null;

  @Field(() => Date, { description: 'When it was registered.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field(() => String, { description: 'Who registered it (`user:<username>` or `token:<id>`).' })
  @Column('text', { name: 'created_by' })
  createdBy: string;
}
