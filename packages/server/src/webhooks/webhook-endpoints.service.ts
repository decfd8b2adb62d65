import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { ErrorCode, errorMessageIn } from '@bam/shared';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditAction } from '../audit/audit-entry.entity.js';
import type { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../common/actor.js';
import { DomainError } from '../common/domain-error.js';
import { isUuid, normalizeUuid } from '../common/uuid.js';
import { CertificateEvent, type CertificateEventType } from '../events/certificate-event.entity.js';
import type { PrivateKeyVault } from '../key-custody/private-key-vault.js';
import { WebhookDelivery, WebhookDeliveryStatus } from './webhook-delivery.entity.js';
import { WebhookEndpoint } from './webhook-endpoint.entity.js';
import { newWebhookSecret, sealWebhookSecret } from './webhook-secret.js';
import { checkWebhookUrl } from './webhook-url.js';

const MAX_DESCRIPTION_LENGTH = 200;

/** What an administrator sets on an endpoint; the audit log records each change of them (never the secret). */
const AUDITED_FIELDS = ['url', 'eventTypes', 'organizationIds', 'description', 'enabled'] as const;

export interface NewWebhookEndpoint {
  url: string;
  eventTypes: readonly CertificateEventType[];
  /** Null: events of every organization (and the certificate store's). */
  organizationIds: readonly string[] | null;
  description: string;
}

/** What to change; a field left undefined keeps its value. */
export interface WebhookEndpointChange {
  url?: string;
  eventTypes?: readonly CertificateEventType[];
  organizationIds?: readonly string[] | null;
  description?: string;
  enabled?: boolean;
}

/**
 * Webhook endpoints as administrators manage them, and their deliveries. The signing secret exists in
 * clear only in the answer that creates or rotates it; the database holds it sealed under the master key.
 */
export class WebhookEndpointsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly vault: PrivateKeyVault,
    /** Tells the dispatcher that deliveries may be due (after a re-send or re-enable). */
    private readonly wakeDispatcher: () => void,
  ) {}

  /** Newest first. */
  list(): Promise<WebhookEndpoint[]> {
    return this.dataSource.getRepository(WebhookEndpoint).find({ order: { createdAt: 'DESC', id: 'ASC' } });
  }

  async create(actor: Actor, request: NewWebhookEndpoint): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const url = checkWebhookUrl(request.url);
    const eventTypes = checkEventTypes(request.eventTypes);
    const description = checkDescription(request.description);
    const id = randomUUID();
    const secret = newWebhookSecret();
    const endpoint = await this.dataSource.transaction(async (manager) => {
      const organizationIds = await checkOrganizations(manager, request.organizationIds);
      // Only events recorded from now on go to the new endpoint.
      const [{ last }] = (await manager.query(`SELECT COALESCE(max(position), 0)::text AS last FROM certificate_events`)) as [{ last: string }];
      await manager.insert(WebhookEndpoint, {
        id,
        url,
        description,
        eventTypes,
        organizationIds,
        ...sealWebhookSecret(this.vault, id, secret),
        startsAfterPosition: last,
        enabled: true,
        disabledReason: null,
        disabledAt: null,
        givenUpInARow: 0,
        failingSince: null,
        createdBy: actor.id,
      });
      await this.audit.record(manager, actor, {
        action: AuditAction.WEBHOOK_ENDPOINT_CREATED,
        details: { endpointId: id, url, eventTypes, organizationIds, description },
      });
      return manager.findOneByOrFail(WebhookEndpoint, { id });
    });
    return { endpoint, secret };
  }

  async update(actor: Actor, endpointId: string, change: WebhookEndpointChange): Promise<WebhookEndpoint> {
    const values: Partial<WebhookEndpoint> = {};
    if (change.url !== undefined) values.url = checkWebhookUrl(change.url);
    if (change.eventTypes !== undefined) values.eventTypes = checkEventTypes(change.eventTypes);
    if (change.description !== undefined) values.description = checkDescription(change.description);
    const endpoint = await this.dataSource.transaction(async (manager) => {
      const current = await lockEndpoint(manager, endpointId);
      if (change.organizationIds !== undefined) values.organizationIds = await checkOrganizations(manager, change.organizationIds);
      if (change.enabled === true && !current.enabled) {
        Object.assign(values, { enabled: true, disabledReason: null, disabledAt: null, givenUpInARow: 0, failingSince: null });
      } else if (change.enabled === false && current.enabled) {
        Object.assign(values, { enabled: false, disabledReason: `Disabled by ${actor.name}`, disabledAt: new Date() });
      }
      if (Object.keys(values).length > 0) await manager.update(WebhookEndpoint, { id: current.id }, values);
      await this.audit.record(manager, actor, {
        action: AuditAction.WEBHOOK_ENDPOINT_UPDATED,
        details: { endpointId: current.id, url: values.url ?? current.url, changes: auditedChanges(current, values) },
      });
      return manager.findOneByOrFail(WebhookEndpoint, { id: current.id });
    });
    if (endpoint.enabled) this.wakeDispatcher();
    return endpoint;
  }

  /** Replaces the signing secret; deliveries attempted from now on are signed with the new one. */
  async rotateSecret(actor: Actor, endpointId: string): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const secret = newWebhookSecret();
    const endpoint = await this.dataSource.transaction(async (manager) => {
      const current = await lockEndpoint(manager, endpointId);
      await manager.update(WebhookEndpoint, { id: current.id }, sealWebhookSecret(this.vault, current.id, secret));
      await this.audit.record(manager, actor, { action: AuditAction.WEBHOOK_SECRET_ROTATED, details: { endpointId: current.id, url: current.url } });
      return manager.findOneByOrFail(WebhookEndpoint, { id: current.id });
    });
    return { endpoint, secret };
  }

  /** Deletes the endpoint with its deliveries; an attempt in flight finishes but is not recorded. */
  async delete(actor: Actor, endpointId: string): Promise<string> {
    return this.dataSource.transaction(async (manager) => {
      const current = await lockEndpoint(manager, endpointId);
      await manager.delete(WebhookEndpoint, { id: current.id });
      await this.audit.record(manager, actor, {
        action: AuditAction.WEBHOOK_ENDPOINT_DELETED,
        details: { endpointId: current.id, url: current.url },
      });
      return current.id;
    });
  }

  /**
   * Sends an event to an endpoint again (or for the first time, e.g. one recorded before the endpoint
   * existed): its delivery starts over as pending, with the same `webhook-id`. Only an event the
   * endpoint's filters take, as they are now.
   */
  async resend(actor: Actor, endpointId: string, eventId: string): Promise<WebhookDelivery> {
    const delivery = await this.dataSource.transaction(async (manager) => {
      const endpoint = await lockEndpoint(manager, endpointId);
      if (!endpoint.enabled) throw new DomainError(ErrorCode.WEBHOOK_ENDPOINT_DISABLED, [endpoint.id]);
      const event = isUuid(eventId) ? await manager.findOneBy(CertificateEvent, { id: normalizeUuid(eventId) }) : null;
      if (!event) throw new DomainError(ErrorCode.EVENT_NOT_FOUND, [eventId], errorMessageIn('resendWebhookEvent', ErrorCode.EVENT_NOT_FOUND));
      if (!takesEvent(endpoint, event)) throw new DomainError(ErrorCode.WEBHOOK_EVENT_NOT_SUBSCRIBED, [event.id]);
      const [{ id }] = (await manager.query(
        `INSERT INTO webhook_deliveries (endpoint_id, event_position, event_id, event_type, status, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, now())
         ON CONFLICT (endpoint_id, event_position) DO UPDATE
         SET status = EXCLUDED.status, attempts = 0, next_attempt_at = now(), lease_token = NULL, lease_until = NULL
         RETURNING id`,
        [endpoint.id, event.position, event.id, event.type, WebhookDeliveryStatus.PENDING],
      )) as [{ id: string }];
      await this.audit.record(manager, actor, {
        action: AuditAction.WEBHOOK_EVENT_RESENT,
        organizationId: event.organizationId,
        details: { endpointId: endpoint.id, url: endpoint.url, eventId: event.id, eventType: event.type },
      });
      return manager.findOneByOrFail(WebhookDelivery, { id });
    });
    this.wakeDispatcher();
    return delivery;
  }
}

/** Each audited field whose value changes, from and to: a reader sees where deliveries went before, and where now. */
function auditedChanges(current: WebhookEndpoint, values: Partial<WebhookEndpoint>): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const field of AUDITED_FIELDS) {
    const to = values[field];
    if (to !== undefined && !isDeepStrictEqual(to, current[field])) changes[field] = { from: current[field], to };
  }
  return changes;
}

/**
 * Whether the endpoint's filters take the event, as the dispatcher matches them: a re-send must not reach
 * a receiver an event was never meant for (another organization's, say). An event of no organization (the
 * certificate store's) goes only to endpoints without an organization filter.
 */
function takesEvent(endpoint: WebhookEndpoint, event: CertificateEvent): boolean {
  if (!endpoint.eventTypes.includes(event.type)) return false;
  return endpoint.organizationIds === null || (event.organizationId !== null && endpoint.organizationIds.includes(event.organizationId));
}

async function lockEndpoint(manager: EntityManager, endpointId: string): Promise<WebhookEndpoint> {
  const endpoint = isUuid(endpointId)
    ? await manager.findOne(WebhookEndpoint, { where: { id: normalizeUuid(endpointId) }, lock: { mode: 'pessimistic_write' } })
    : null;
  if (!endpoint) throw new DomainError(ErrorCode.WEBHOOK_ENDPOINT_NOT_FOUND, [endpointId]);
  return endpoint;
}

function checkEventTypes(eventTypes: readonly CertificateEventType[]): CertificateEventType[] {
  const unique = [...new Set(eventTypes)];
  if (unique.length === 0) throw new DomainError(ErrorCode.WEBHOOK_ENDPOINT_INVALID);
  return unique;
}

function checkDescription(description: string): string {
  const text = description.trim();
  if (text.length > MAX_DESCRIPTION_LENGTH) throw new DomainError(ErrorCode.WEBHOOK_ENDPOINT_INVALID);
  return text;
}

/** Null or an empty list: every organization. Otherwise each must exist. */
async function checkOrganizations(manager: EntityManager, organizationIds: readonly string[] | null): Promise<string[] | null> {
  if (!organizationIds?.length) return null;
  const wanted = [...new Set(organizationIds.map(normalizeUuid))];
  const unknown = wanted.filter((id) => !isUuid(id));
  if (unknown.length === 0) {
    const found = (await manager.query(`SELECT id FROM organizations WHERE id = ANY($1::uuid[])`, [wanted])) as { id: string }[];
    const existing = new Set(found.map((row) => row.id));
    unknown.push(...wanted.filter((id) => !existing.has(id)));
  }
  if (unknown.length > 0) throw new DomainError(ErrorCode.ORGANIZATION_NOT_FOUND, unknown);
  return wanted;
}
