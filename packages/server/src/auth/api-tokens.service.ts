import { ErrorCode } from '@bam/shared';
import type { DataSource } from 'typeorm';
import { AuditAction } from '../audit/audit-entry.entity.js';
import type { AuditService } from '../audit/audit.service.js';
import type { Actor, Role } from '../common/actor.js';
import { DomainError } from '../common/domain-error.js';
import { isUuid } from '../common/uuid.js';
import { holdActingAdministrator } from './acting-administrator.js';
import { ApiToken } from './api-token.entity.js';
import { API_TOKEN_PREFIX, hashSecret, newSecret } from './credential-secret.js';
import type { CredentialSockets } from './credential-sockets.js';
import { checkOrganizationScope } from './organization-scope.js';

const MAX_LIFETIME_MS = 366 * 24 * 60 * 60 * 1000;

export interface NewApiToken {
  name: string;
  role: Role;
  organizationIds: readonly string[] | null;
  expiresAt: Date;
}

/** API tokens for scripts: created and revoked by administrators; the secret exists only in the creation's answer. */
export class ApiTokensService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly sockets: CredentialSockets,
  ) {}

  /** Newest first, revoked and expired ones included (they show when they stopped working). */
  list(): Promise<ApiToken[]> {
    return this.dataSource.getRepository(ApiToken).find({ order: { createdAt: 'DESC', id: 'ASC' } });
  }

  async create(actor: Actor, request: NewApiToken): Promise<{ token: ApiToken; secret: string }> {
    const name = request.name.trim();
    const lifetime = request.expiresAt.getTime() - Date.now();
    if (name.length < 1 || name.length > 64 || !(lifetime > 0 && lifetime <= MAX_LIFETIME_MS)) throw new DomainError(ErrorCode.API_TOKEN_INVALID);
    const secret = newSecret(API_TOKEN_PREFIX);
    const token = await this.dataSource.transaction(async (manager) => {
      await holdActingAdministrator(manager, actor);
      const organizationIds = await checkOrganizationScope(manager, request.role, request.organizationIds);
      const saved = await manager.save(ApiToken, {
        name,
        secretHash: hashSecret(secret),
        role: request.role,
        organizationIds,
        expiresAt: request.expiresAt,
        createdBy: actor.id,
        revokedAt: null,
        lastUsedAt: null,
      });
      await this.audit.record(manager, actor, {
        action: AuditAction.API_TOKEN_CREATED,
        details: { tokenId: saved.id, name, role: request.role, organizationIds, expiresAt: request.expiresAt.toISOString() },
      });
      return manager.findOneByOrFail(ApiToken, { id: saved.id });
    });
    return { token, secret };
  }

  /** Revokes the token at once; its open WebSockets close. Revoking a revoked token changes nothing. */
  async revoke(actor: Actor, tokenId: string): Promise<ApiToken> {
    const token = await this.dataSource.transaction(async (manager) => {
      const current = isUuid(tokenId) ? await manager.findOne(ApiToken, { where: { id: tokenId }, lock: { mode: 'pessimistic_write' } }) : null;
      if (!current) throw new DomainError(ErrorCode.API_TOKEN_NOT_FOUND, [tokenId]);
      if (current.revokedAt) return current;
      await manager.update(ApiToken, { id: current.id }, { revokedAt: () => 'now()' });
      await this.audit.record(manager, actor, { action: AuditAction.API_TOKEN_REVOKED, details: { tokenId: current.id, name: current.name } });
      return manager.findOneByOrFail(ApiToken, { id: current.id });
    });
    await this.sockets.end(`token:${token.id}`, 'Token revoked');
    return token;
  }
}
