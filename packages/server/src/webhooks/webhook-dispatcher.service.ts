import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditAction } from '../audit/audit-entry.entity.js';
import type { AuditService } from '../audit/audit.service.js';
import { systemActor } from '../common/actor.js';
import type { WebhookSettings } from '../config/config.js';
import type { PrivateKeyVault } from '../key-custody/private-key-vault.js';
import type { Logger } from '../logging/logger.js';
import { WebhookDeliveryStatus } from './webhook-delivery.entity.js';
import { retryDelayMs } from './webhook-retry.js';
import { openWebhookSecret } from './webhook-secret.js';
import { sendWebhook, type WebhookOutcome } from './webhook-sender.js';

/** Outbox events turned into deliveries per statement. */
const DISPATCH_BATCH = 500;
/** Deliveries one instance claims, and sends at the same time, per round. */
const CLAIM_BATCH = 20;
/** A claim outlives the attempt's time limit by this much: only a crashed instance's claims run out. */
const LEASE_MARGIN_MS = 30_000;

interface ClaimedDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  attempts: number;
  url: string;
  secretCiphertext: Buffer;
  masterKeyId: string;
  body: string;
}

/**
 * Delivers webhooks without ever holding up the change that caused them. Woken by the event feed
 * (the same wake-up as subscriptions: LISTEN/NOTIFY on PostgreSQL, in-process on the embedded
 * database), by the service after a re-send or re-enable, and by a timer (retries that fall due, and
 * work another instance left behind). Each round it
 *  1. turns outbox events after its stored position into one delivery per matching enabled endpoint
 *     (the position row is locked meanwhile, and (endpoint, event) is unique: idempotent);
 *  2. claims due deliveries with `FOR UPDATE SKIP LOCKED` and a lease, so with several instances on
 *     one PostgreSQL each attempt is made by one of them;
 *  3. sends them, records each attempt, schedules retries (exponential backoff, full jitter), gives
 *     up after the last attempt, and disables an endpoint that keeps failing.
 * A round's database work is sequential: the embedded database runs one statement at a time.
 */
export class WebhookDispatcher {
  private running: Promise<void> | undefined;
  private runAgain = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private stopListening: (() => void) | undefined;
  private readonly leaseMs: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly vault: PrivateKeyVault,
    private readonly audit: AuditService,
    private readonly settings: WebhookSettings,
    private readonly logger: Logger,
  ) {
    this.leaseMs = settings.timeoutMs + LEASE_MARGIN_MS;
  }

  /** Starts dispatching; `onWake` registers the wake-up on new outbox events and returns its removal. */
  start(onWake: (wake: () => void) => () => void): void {
    this.stopListening = onWake(() => this.wake());
    this.wake();
  }

  /** Waits for the round in flight (its attempts are bounded by the time limit). */
  async close(): Promise<void> {
    this.closed = true;
    this.stopListening?.();
    clearTimeout(this.timer);
    await this.running;
  }

  /** Something may be due: run a round now, or right after the one in flight. */
  wake(): void {
    if (this.closed) return;
    if (this.running) {
      this.runAgain = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.round()
      .catch((error: unknown) => {
        this.logger.error({ err: error }, 'webhook dispatch failed');
        return this.settings.pollIntervalMs;
      })
      .then((nextInMs) => {
        this.running = undefined;
        if (this.closed) return;
        if (this.runAgain) {
          this.runAgain = false;
          this.wake();
          return;
        }
        this.timer = setTimeout(() => this.wake(), nextInMs);
        this.timer.unref();
      });
  }

  /** One round; returns how long to wait before the next one unless woken sooner. */
  private async round(): Promise<number> {
    while (await this.dispatchNewEvents());
    for (;;) {
      const claimed = await this.claimDue();
      if (claimed.length === 0) break;
      const outcomes = await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
      for (const [index, delivery] of claimed.entries()) await this.recordAttempt(delivery, outcomes[index]!);
      if (claimed.length < CLAIM_BATCH || this.closed) break;
    }
    return this.untilNextDue();
  }

  /**
   * Turns one batch of new outbox events into deliveries and moves the stored position past it, in one
   * statement (every commit wakes the dispatcher: one round trip, not six); the position row's lock
   * serialises instances. True when there may be more.
   */
  private async dispatchNewEvents(): Promise<boolean> {
    const [{ dispatched }] = (await this.dataSource.query(
      `WITH dispatched_upto AS (
         SELECT position FROM webhook_dispatch_position FOR UPDATE
       ), batch AS (
         SELECT event.position, event.id, event.type, event.organization_id
         FROM certificate_events event, dispatched_upto
         WHERE event.position > dispatched_upto.position
         ORDER BY event.position
         LIMIT $1
       ), deliveries AS (
         INSERT INTO webhook_deliveries (endpoint_id, event_position, event_id, event_type, status, next_attempt_at)
         SELECT endpoint.id, batch.position, batch.id, batch.type, $2, now()
         FROM batch
         JOIN webhook_endpoints endpoint
           ON endpoint.enabled
          AND batch.type = ANY(endpoint.event_types)
          AND batch.position > endpoint.starts_after_position
          AND (endpoint.organization_ids IS NULL OR batch.organization_id = ANY(endpoint.organization_ids))
         ORDER BY batch.position
         ON CONFLICT (endpoint_id, event_position) DO NOTHING
       ), moved AS (
         UPDATE webhook_dispatch_position SET position = (SELECT max(position) FROM batch) WHERE EXISTS (SELECT FROM batch)
       )
       SELECT count(*)::int AS dispatched FROM batch`,
      [DISPATCH_BATCH, WebhookDeliveryStatus.PENDING],
    )) as [{ dispatched: number }];
    return dispatched === DISPATCH_BATCH;
  }

  /** Claims due deliveries of enabled endpoints that no live instance is attempting, counting the attempt. */
  private async claimDue(): Promise<(ClaimedDelivery & { leaseToken: string })[]> {
    const leaseToken = randomUUID();
    const rows = (await this.dataSource.query(
      `WITH due AS (
         SELECT delivery.id FROM webhook_deliveries delivery
         JOIN webhook_endpoints endpoint ON endpoint.id = delivery.endpoint_id AND endpoint.enabled
         WHERE delivery.status IN ($1, $2) AND delivery.next_attempt_at <= now()
           AND (delivery.lease_until IS NULL OR delivery.lease_until < now())
         ORDER BY delivery.next_attempt_at, delivery.seq
         LIMIT $3
         FOR UPDATE OF delivery SKIP LOCKED
       ), claimed AS (
         UPDATE webhook_deliveries delivery
         SET lease_token = $4, lease_until = now() + make_interval(secs => $5::double precision / 1000), attempts = delivery.attempts + 1
         FROM due WHERE delivery.id = due.id
         RETURNING delivery.id, delivery.endpoint_id, delivery.event_position, delivery.event_id, delivery.attempts, delivery.seq
       )
       SELECT claimed.id, claimed.endpoint_id AS "endpointId", claimed.event_id AS "eventId", claimed.attempts,
              endpoint.url, endpoint.secret_ciphertext AS "secretCiphertext", endpoint.master_key_id AS "masterKeyId",
              event.cloud_event::text AS body
       FROM claimed
       JOIN webhook_endpoints endpoint ON endpoint.id = claimed.endpoint_id
       JOIN certificate_event_log event ON event.position = claimed.event_position
       ORDER BY claimed.seq`,
      [WebhookDeliveryStatus.PENDING, WebhookDeliveryStatus.FAILED, CLAIM_BATCH, leaseToken, this.leaseMs],
    )) as ClaimedDelivery[];
    return rows.map((row) => ({ ...row, leaseToken }));
  }

  private async attempt(delivery: ClaimedDelivery): Promise<WebhookOutcome & { attemptedAt: Date }> {
    const attemptedAt = new Date();
    let secret: string;
    try {
      secret = openWebhookSecret(this.vault, { ...delivery, id: delivery.endpointId });
    } catch (error) {
      this.logger.error({ err: error, endpointId: delivery.endpointId }, 'cannot open a webhook secret');
      return { delivered: false, httpStatus: null, error: 'the signing secret cannot be opened with this server’s master key', attemptedAt };
    }
    const outcome = await sendWebhook({
      url: delivery.url,
      secret,
      messageId: delivery.eventId,
      body: delivery.body,
      timeoutMs: this.settings.timeoutMs,
    });
    return { ...outcome, attemptedAt };
  }

  /**
   * Records the attempt and what follows: delivered, a retry, or given up. Only the lease holder
   * moves the delivery on (a re-send in the meantime restarted it); the attempt is recorded anyway.
   */
  private async recordAttempt(delivery: ClaimedDelivery & { leaseToken: string }, outcome: WebhookOutcome & { attemptedAt: Date }): Promise<void> {
    const { delivered, httpStatus, error, attemptedAt } = outcome;
    const gaveUp = !delivered && delivery.attempts >= this.settings.maxAttempts;
    const retryAt = delivered || gaveUp ? null : new Date(Date.now() + retryDelayMs(delivery.attempts, this.settings));
    const status = delivered ? WebhookDeliveryStatus.DELIVERED : gaveUp ? WebhookDeliveryStatus.GAVE_UP : WebhookDeliveryStatus.FAILED;
    if (!delivered)
      this.logger.info(
        { endpointId: delivery.endpointId, eventId: delivery.eventId, attempt: delivery.attempts, httpStatus, error },
        'webhook attempt failed',
      );
    await this.dataSource.transaction(async (manager) => {
      const [, moved] = (await manager.query(
        `UPDATE webhook_deliveries
         SET status = $3, next_attempt_at = $4, last_http_status = $5, last_error = $6, last_attempt_at = $7,
             delivered_at = CASE WHEN $3 = '${WebhookDeliveryStatus.DELIVERED}' THEN now() ELSE delivered_at END,
             lease_token = NULL, lease_until = NULL
         WHERE id = $1 AND lease_token = $2`,
        [delivery.id, delivery.leaseToken, status, retryAt, httpStatus, error, attemptedAt],
      )) as [unknown, number];
      // Recorded even when a re-send took the lease meanwhile; not when the endpoint was deleted.
      await manager.query(
        `INSERT INTO webhook_delivery_attempts (delivery_id, attempt, attempted_at, http_status, error, retry_at)
         SELECT id, $2, $3, $4, $5, $6 FROM webhook_deliveries WHERE id = $1`,
        [delivery.id, delivery.attempts, attemptedAt, httpStatus, error, retryAt],
      );
      if (moved === 0) return;
      if (delivered) {
        await manager.query(`UPDATE webhook_endpoints SET given_up_in_a_row = 0, failing_since = NULL WHERE id = $1`, [delivery.endpointId]);
        return;
      }
      await manager.query(
        `UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $2), given_up_in_a_row = given_up_in_a_row + $3 WHERE id = $1`,
        [delivery.endpointId, attemptedAt, gaveUp ? 1 : 0],
      );
      await this.disableIfFailing(manager, delivery.endpointId);
    });
  }

  /** Disables the endpoint when it has given up too many deliveries in a row, or has failed for too long. */
  private async disableIfFailing(manager: EntityManager, endpointId: string): Promise<void> {
    const { disableAfterGivenUp, disableAfterFailingSeconds } = this.settings;
    const [rows] = (await manager.query(
      `UPDATE webhook_endpoints
       SET enabled = false, disabled_at = now(),
           disabled_reason = CASE WHEN given_up_in_a_row >= $2
             THEN given_up_in_a_row || ' deliveries in a row were given up after every attempt failed'
             ELSE 'deliveries have failed without a success since ' || to_char(failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') END
       WHERE id = $1 AND enabled
         AND (given_up_in_a_row >= $2 OR failing_since <= now() - make_interval(secs => $3))
       RETURNING id, url, disabled_reason AS reason`,
      [endpointId, disableAfterGivenUp, disableAfterFailingSeconds],
    )) as [{ id: string; url: string; reason: string }[], number];
    const disabled = rows[0];
    if (!disabled) return;
    this.logger.warn({ endpointId, reason: disabled.reason }, 'webhook endpoint disabled after repeated failure');
    await this.audit.record(manager, systemActor, {
      action: AuditAction.WEBHOOK_ENDPOINT_DISABLED,
      details: { endpointId, url: disabled.url, reason: disabled.reason },
    });
  }

  /** Until the earliest due delivery this instance could claim, at most the poll interval. */
  private async untilNextDue(): Promise<number> {
    const [{ waitMs }] = (await this.dataSource.query(
      `SELECT EXTRACT(EPOCH FROM (min(GREATEST(delivery.next_attempt_at, COALESCE(delivery.lease_until, delivery.next_attempt_at))) - now())) * 1000 AS "waitMs"
       FROM webhook_deliveries delivery
       JOIN webhook_endpoints endpoint ON endpoint.id = delivery.endpoint_id AND endpoint.enabled
       WHERE delivery.status IN ($1, $2)`,
      [WebhookDeliveryStatus.PENDING, WebhookDeliveryStatus.FAILED],
    )) as [{ waitMs: string | number | null }];
    const wait = waitMs === null ? this.settings.pollIntervalMs : Math.ceil(Number(waitMs));
    return Math.min(this.settings.pollIntervalMs, Math.max(wait, 10));
  }
}
