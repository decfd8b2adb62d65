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
/** Attempts one instance makes at the same time. */
const MAX_IN_FLIGHT = 20;
/** Of those, attempts to one endpoint: receivers that hang cannot take the slots every other endpoint needs. */
const MAX_IN_FLIGHT_PER_ENDPOINT = 5;
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
  leaseToken: string;
}

type AttemptOutcome = WebhookOutcome & { attemptedAt: Date; endedAt: Date };

/**
 * Delivers webhooks without ever holding up the change that caused them. Woken by the event feed
 * (the same wake-up as subscriptions: LISTEN/NOTIFY on PostgreSQL, in-process on the embedded
 * database), by the service after a re-send or re-enable, by a timer (retries that fall due, and
 * work another instance left behind), and by each attempt that ends. Each round it
 *  1. records the attempts that ended since the last round, and what follows each: delivered, a retry
 *     (exponential backoff, full jitter, from the attempt's end), given up, the endpoint disabled;
 *  2. turns outbox events after its stored position into one delivery per matching enabled endpoint
 *     (the position row is locked meanwhile, and (endpoint, event) is unique: idempotent);
 *  3. claims due deliveries for its free slots with `FOR UPDATE SKIP LOCKED` and a lease, so with
 *     several instances on one PostgreSQL each attempt is made by one of them, and starts them.
 * Attempts run outside the rounds, up to `MAX_IN_FLIGHT` at once and `MAX_IN_FLIGHT_PER_ENDPOINT` per
 * endpoint, so an endpoint that does not answer delays no other. The database work is sequential,
 * one round at a time: the embedded database runs one statement at a time.
 */
export class WebhookDispatcher {
  private running: Promise<void> | undefined;
  private runAgain = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private stopListening: (() => void) | undefined;
  private readonly leaseMs: number;
  /** A wake-up other than an attempt's end came: outbox events may wait to be dispatched. */
  private eventsMayWait = false;
  /** Attempts under way, and how many of them go to each endpoint. */
  private readonly attempts = new Set<Promise<void>>();
  private readonly inFlightByEndpoint = new Map<string, number>();
  /** Attempts that ended and wait for the next round to record them. */
  private readonly ended: { delivery: ClaimedDelivery; outcome: AttemptOutcome }[] = [];

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

  /** Claims nothing more; waits for the attempts in flight (bounded by the time limit) and records them. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopListening?.();
    clearTimeout(this.timer);
    if (this.attempts.size > 0) this.logger.info({ attemptsInFlight: this.attempts.size }, 'stopping: waiting for webhook attempts in flight');
    while (this.running || this.attempts.size > 0) await Promise.all([this.running, ...this.attempts]);
  }

  /** Something may be due: run a round now, or right after the one in flight. */
  wake(): void {
    if (this.closed) return;
    this.eventsMayWait = true;
    this.runRound();
  }

  private runRound(): void {
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
        if (this.runAgain) {
          this.runAgain = false;
          this.runRound();
          return;
        }
        if (this.closed) return;
        this.timer = setTimeout(() => this.wake(), nextInMs);
        this.timer.unref();
      });
  }

  /** One round; returns how long to wait before the next one unless woken sooner. */
  private async round(): Promise<number> {
    await this.recordEnded();
    if (this.closed) return this.settings.pollIntervalMs;
    if (this.eventsMayWait) {
      this.eventsMayWait = false;
      while (await this.dispatchNewEvents());
    }
    const free = MAX_IN_FLIGHT - this.attempts.size;
    if (free > 0) for (const delivery of await this.claimDue(free)) this.startAttempt(delivery);
    // A full pool waits for an attempt to end, which wakes a round.
    if (this.attempts.size === MAX_IN_FLIGHT) return this.settings.pollIntervalMs;
    return this.untilNextDue();
  }

  /** Records the attempts that ended; one that cannot be is attempted again once its lease runs out. */
  private async recordEnded(): Promise<void> {
    for (const { delivery, outcome } of this.ended.splice(0)) {
      try {
        await this.recordAttempt(delivery, outcome);
      } catch (error) {
        this.logger.error({ err: error, deliveryId: delivery.id }, 'cannot record a webhook attempt');
      }
    }
  }

  /** Makes the attempt in a slot; when it ends, frees the slot and wakes a round to record it. */
  private startAttempt(delivery: ClaimedDelivery): void {
    this.inFlightByEndpoint.set(delivery.endpointId, (this.inFlightByEndpoint.get(delivery.endpointId) ?? 0) + 1);
    const attempt = this.attempt(delivery)
      .then(
        (outcome) => {
          this.ended.push({ delivery, outcome });
        },
        // Not recorded: the lease runs out and the delivery is attempted again.
        (error: unknown) => this.logger.error({ err: error, deliveryId: delivery.id }, 'webhook attempt failed unexpectedly'),
      )
      .finally(() => {
        const left = this.inFlightByEndpoint.get(delivery.endpointId)! - 1;
        if (left === 0) this.inFlightByEndpoint.delete(delivery.endpointId);
        else this.inFlightByEndpoint.set(delivery.endpointId, left);
        this.attempts.delete(attempt);
        this.runRound();
      });
    this.attempts.add(attempt);
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

  /**
   * Claims up to `limit` due deliveries of enabled endpoints that no live instance is attempting,
   * counting the attempt: oldest first, at most as many per endpoint as its free slots here. Each
   * endpoint's due deliveries are read from their own index up to a constant limit (a limit that varied
   * per endpoint would make the planner read them all), then cut to the endpoint's free slots.
   */
  private async claimDue(limit: number): Promise<ClaimedDelivery[]> {
    const leaseToken = randomUUID();
    const busyEndpoints = [...this.inFlightByEndpoint];
    const rows = (await this.dataSource.query(
      `WITH busy AS (
         SELECT * FROM unnest($7::uuid[], $8::int[]) AS busy(endpoint_id, in_flight)
       ), picked AS (
         SELECT delivery.id, delivery.next_attempt_at, delivery.seq, COALESCE(busy.in_flight, 0) AS in_flight,
                row_number() OVER (PARTITION BY endpoint.id ORDER BY delivery.next_attempt_at, delivery.seq) AS place
         FROM webhook_endpoints endpoint
         LEFT JOIN busy ON busy.endpoint_id = endpoint.id
         CROSS JOIN LATERAL (
           SELECT delivery.id, delivery.next_attempt_at, delivery.seq FROM webhook_deliveries delivery
           WHERE delivery.endpoint_id = endpoint.id
             AND delivery.status IN ($1, $2) AND delivery.next_attempt_at <= now()
             AND (delivery.lease_until IS NULL OR delivery.lease_until < now())
           ORDER BY delivery.next_attempt_at, delivery.seq
           LIMIT $6::int
           FOR UPDATE OF delivery SKIP LOCKED
         ) delivery
         WHERE endpoint.enabled AND COALESCE(busy.in_flight, 0) < $6::int
       ), due AS (
         SELECT id FROM picked WHERE place <= $6::int - in_flight ORDER BY next_attempt_at, seq LIMIT $3
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
      [
        WebhookDeliveryStatus.PENDING,
        WebhookDeliveryStatus.FAILED,
        limit,
        leaseToken,
        this.leaseMs,
        MAX_IN_FLIGHT_PER_ENDPOINT,
        busyEndpoints.map(([endpointId]) => endpointId),
        busyEndpoints.map(([, inFlight]) => inFlight),
      ],
    )) as Omit<ClaimedDelivery, 'leaseToken'>[];
    return rows.map((row) => ({ ...row, leaseToken }));
  }

  private async attempt(delivery: ClaimedDelivery): Promise<AttemptOutcome> {
    const attemptedAt = new Date();
    let secret: string;
    try {
      secret = openWebhookSecret(this.vault, { ...delivery, id: delivery.endpointId });
    } catch (error) {
      this.logger.error({ err: error, endpointId: delivery.endpointId }, 'cannot open a webhook secret');
      const reason = 'the signing secret cannot be opened with this server’s master key';
      return { delivered: false, httpStatus: null, error: reason, attemptedAt, endedAt: new Date() };
    }
    const outcome = await sendWebhook({
      url: delivery.url,
      secret,
      messageId: delivery.eventId,
      body: delivery.body,
      timeoutMs: this.settings.timeoutMs,
    });
    return { ...outcome, attemptedAt, endedAt: new Date() };
  }

  /**
   * Records the attempt and what follows: delivered, a retry (due after the wait from the attempt's end,
   * however late it is recorded), or given up. Only the lease holder moves the delivery on (a re-send in
   * the meantime restarted it); the attempt is recorded anyway.
   */
  private async recordAttempt(delivery: ClaimedDelivery, outcome: AttemptOutcome): Promise<void> {
    const { delivered, httpStatus, error, attemptedAt, endedAt } = outcome;
    const gaveUp = !delivered && delivery.attempts >= this.settings.maxAttempts;
    const retryAt = delivered || gaveUp ? null : new Date(endedAt.getTime() + retryDelayMs(delivery.attempts, this.settings));
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
             delivered_at = CASE WHEN $3 = '${WebhookDeliveryStatus.DELIVERED}' THEN $8 ELSE delivered_at END,
             lease_token = NULL, lease_until = NULL
         WHERE id = $1 AND lease_token = $2`,
        [delivery.id, delivery.leaseToken, status, retryAt, httpStatus, error, attemptedAt, endedAt],
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

  /**
   * Until the earliest due delivery this instance could claim, at most the poll interval. Endpoints
   * whose slots here are all taken wait for an attempt to end, which wakes a round.
   */
  private async untilNextDue(): Promise<number> {
    const fullEndpoints = [...this.inFlightByEndpoint]
      .filter(([, inFlight]) => inFlight >= MAX_IN_FLIGHT_PER_ENDPOINT)
      .map(([endpointId]) => endpointId);
    const [{ waitMs }] = (await this.dataSource.query(
      `SELECT EXTRACT(EPOCH FROM (min(GREATEST(delivery.next_attempt_at, COALESCE(delivery.lease_until, delivery.next_attempt_at))) - now())) * 1000 AS "waitMs"
       FROM webhook_deliveries delivery
       JOIN webhook_endpoints endpoint ON endpoint.id = delivery.endpoint_id AND endpoint.enabled
       WHERE delivery.status IN ($1, $2) AND NOT delivery.endpoint_id = ANY($3::uuid[])`,
      [WebhookDeliveryStatus.PENDING, WebhookDeliveryStatus.FAILED, fullEndpoints],
    )) as [{ waitMs: string | number | null }];
    const wait = waitMs === null ? this.settings.pollIntervalMs : Math.ceil(Number(waitMs));
    return Math.min(this.settings.pollIntervalMs, Math.max(wait, 10));
  }
}
