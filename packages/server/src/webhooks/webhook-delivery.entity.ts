import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { CertificateEventType } from '../events/certificate-event.entity.js';

/** Where a delivery stands. */
export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  FAILED = 'FAILED',
  DELIVERED = 'DELIVERED',
  GAVE_UP = 'GAVE_UP',
}

registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'Where a webhook delivery stands.',
  valuesConfig: {
    PENDING: { description: 'Not attempted yet.' },
    FAILED: { description: 'The last attempt failed; another follows at `nextAttemptAt`.' },
    DELIVERED: { description: 'The receiver answered 2xx.' },
    GAVE_UP: { description: 'Every attempt failed; no more are made unless it is re-sent.' },
  },
});

@ObjectType({ description: 'One event sent (or to be sent) to one webhook endpoint, with its retries.' })
@Entity('webhook_deliveries')
export class WebhookDelivery {
  @Field(() => ID, { description: 'Id of the delivery.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Order of creation, for pagination. */
  @Column({ type: 'bigint', insert: false })
  seq: string;

  @Field(() => ID, { description: 'The endpoint it goes to.' })
  @Column('uuid', { name: 'endpoint_id' })
  endpointId: string;

  @Column('bigint', { name: 'event_position' })
  eventPosition: string;

  @Field(() => ID, { description: 'Id of the event (also the `webhook-id` header and the CloudEvents `id`).' })
  @Column('uuid', { name: 'event_id' })
  eventId: string;

  @Field(() => CertificateEventType, { description: 'Type of the event.' })
  @Column('text', { name: 'event_type' })
  eventType: CertificateEventType;

  @Field(() => WebhookDeliveryStatus, { description: 'Where the delivery stands.' })
  @Column('text')
  status: WebhookDeliveryStatus;

  @Field(() => Int, { description: 'Attempts made since it was created or last re-sent.' })
  @Column('integer')
  attempts: number;

  @Field(() => Date, { nullable: true, description: 'When the next attempt is due; null when delivered or given up.' })
  @Column('timestamptz', { name: 'next_attempt_at', nullable: true })
  nextAttemptAt: Date | null;

  @Field(() => Int, { nullable: true, description: 'HTTP status of the last answer; null when none came (timeout, refused connection).' })
  @Column('integer', { name: 'last_http_status', nullable: true })
  lastHttpStatus: number | null;

  @Field(() => String, { nullable: true, description: 'Why the last attempt failed (trimmed); null after a success.' })
  @Column('text', { name: 'last_error', nullable: true })
  lastError: string | null;

  @Field(() => Date, { nullable: true, description: 'When the last attempt was made.' })
  @Column('timestamptz', { name: 'last_attempt_at', nullable: true })
  lastAttemptAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the receiver accepted it.' })
  @Column('timestamptz', { name: 'delivered_at', nullable: true })
  deliveredAt: Date | null;

  @Field(() => Date, { description: 'When the delivery was created.' })
  @Column({ type: 'timestamptz', name: 'created_at', insert: false })
  createdAt: Date;
}

@ObjectType({ description: 'One attempt of a webhook delivery.' })
@Entity('webhook_delivery_attempts')
export class WebhookDeliveryAttempt {
  @Column({ type: 'bigint', primary: true, insert: false })
  id: string;

  @Column('uuid', { name: 'delivery_id' })
  deliveryId: string;

  @Field(() => Int, { description: 'Its number since the delivery was created or last re-sent, from 1.' })
  @Column('integer')
  attempt: number;

  @Field(() => Date, { description: 'When it was made.' })
  @Column('timestamptz', { name: 'attempted_at' })
  attemptedAt: Date;

  @Field(() => Int, { nullable: true, description: 'HTTP status of the answer; null when none came.' })
  @Column('integer', { name: 'http_status', nullable: true })
  httpStatus: number | null;

  @Field(() => String, { nullable: true, description: 'Why it failed (trimmed); null on success.' })
  @Column('text', { nullable: true })
  error: string | null;

  @Field(() => Date, { nullable: true, description: 'When the retry it scheduled is due; null when none followed.' })
  @Column('timestamptz', { name: 'retry_at', nullable: true })
  retryAt: Date | null;
}
