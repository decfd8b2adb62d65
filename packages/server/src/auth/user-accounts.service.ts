import { ErrorCode } from '@bam/shared';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditAction } from '../audit/audit-entry.entity.js';
import type { AuditService } from '../audit/audit.service.js';
import { type Actor, Role } from '../common/actor.js';
import { DomainError } from '../common/domain-error.js';
import { isUuid } from '../common/uuid.js';
import { holdActingAdministrator } from './acting-administrator.js';
import { normalizeUsername } from './authentication.service.js';
import type { CredentialSockets } from './credential-sockets.js';
import { checkAdministratorScope, checkOrganizationScope, holdOrganizations } from './organization-scope.js';
import { hashPassword, isAcceptablePassword } from './password-hashing.js';
import { Session } from './session.entity.js';
import { User } from './user.entity.js';

const usernamePattern = /^[a-z0-9._@-]{1,64}$/;

export interface NewUser {
  username: string;
  /** A temporary password: the account changes it at its first sign-in. */
  password: string;
  role: Role;
  organizationIds: readonly string[] | null;
}

/** Undefined fields stay as they are. */
export interface UserChanges {
  role?: Role | null;
  /** Null: all organizations. */
  organizationIds?: readonly string[] | null;
  disabled?: boolean | null;
  /** A new temporary password: the account's sessions end and it must change it at its next sign-in. */
  password?: string | null;
}

/** Operator accounts, managed by administrators. */
export class UserAccountsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly sockets: CredentialSockets,
  ) {}

  list(): Promise<User[]> {
    return this.dataSource.getRepository(User).find({ order: { username: 'ASC' } });
  }

  async create(actor: Actor, request: NewUser): Promise<User> {
    const username = normalizeUsername(request.username);
    if (!usernamePattern.test(username)) throw new DomainError(ErrorCode.USERNAME_INVALID);
    if (!isAcceptablePassword(request.password)) throw new DomainError(ErrorCode.PASSWORD_TOO_WEAK);
    const passwordHash = await hashPassword(request.password);
    return this.dataSource.transaction(async (manager) => {
      await holdActingAdministrator(manager, actor);
      const organizationIds = await checkOrganizationScope(manager, request.role, request.organizationIds);
      const inserted: { id: string }[] = await manager.query(
        `INSERT INTO users (username, password_hash, role, organization_ids, must_change_password)
         VALUES ($1, $2, $3, $4, true) ON CONFLICT (username) DO NOTHING RETURNING id`,
        [username, passwordHash, request.role, organizationIds],
      );
      if (inserted.length === 0) throw new DomainError(ErrorCode.USERNAME_TAKEN, [username]);
      const user = await manager.findOneByOrFail(User, { id: inserted[0]!.id });
      await this.audit.record(manager, actor, {
        action: AuditAction.USER_CREATED,
        details: { userId: user.id, username, role: user.role, organizationIds },
      });
      return user;
    });
  }

  async update(actor: Actor, userId: string, changes: UserChanges): Promise<User> {
    if (changes.password != null && !isAcceptablePassword(changes.password)) throw new DomainError(ErrorCode.PASSWORD_TOO_WEAK);
    const passwordHash = changes.password != null ? await hashPassword(changes.password) : null;
    const user = await this.dataSource.transaction(async (manager) => {
      const administrators = await lockActiveAdministrators(manager);
      // The acting account as it is now, under the lock: one demoted or disabled since its request was
      // authorized no longer acts as an administrator.
      if (actor.kind === 'USER' && !administrators.includes(actor.userId ?? '')) throw new DomainError(ErrorCode.FORBIDDEN);
      // Organizations before the account, the order removeOrganization locks them in (it leaves administrators,
      // who have no limit, alone). Only a limit the change gives is checked: a saved one stays as it is.
      const givenScope = changes.organizationIds ? await holdOrganizations(manager, changes.organizationIds) : changes.organizationIds;
      const current = isUuid(userId) ? await manager.findOne(User, { where: { id: userId }, lock: { mode: 'pessimistic_write' } }) : null;
      if (!current) throw new DomainError(ErrorCode.USER_NOT_FOUND, [userId]);
      const role = changes.role ?? current.role;
      const disabled = changes.disabled ?? current.disabled;
      if (current.id === actor.userId && (disabled || role !== Role.ADMINISTRATOR)) throw new DomainError(ErrorCode.USER_SELF_LOCKOUT);
      const remainsAdministrator = role === Role.ADMINISTRATOR && !disabled;
      if (!remainsAdministrator && administrators.length === 1 && administrators[0] === current.id) {
        throw new DomainError(ErrorCode.LAST_ADMINISTRATOR, [current.id]);
      }
      // A role change to administrator lifts any organization limit unless one is given (and then refused).
      checkAdministratorScope(role, givenScope ?? null);
      const organizationIds = givenScope !== undefined ? givenScope : role === Role.ADMINISTRATOR ? null : current.organizationIds;

      await manager.update(
        User,
        { id: current.id },
        {
          role,
          organizationIds,
          disabled,
          ...(passwordHash ? { passwordHash, mustChangePassword: true, passwordChangedAt: new Date() } : {}),
        },
      );
      if (disabled || passwordHash) await manager.delete(Session, { userId: current.id });
      await this.audit.record(manager, actor, {
        action: AuditAction.USER_UPDATED,
        details: {
          userId: current.id,
          username: current.username,
          role: { from: current.role, to: role },
          organizationIds: { from: current.organizationIds, to: organizationIds },
          disabled: { from: current.disabled, to: disabled },
          passwordReset: passwordHash !== null,
        },
      });
      return manager.findOneByOrFail(User, { id: current.id });
    });
    // Open sockets hold the account's former role and scope: they reconnect with the new ones.
    await this.sockets.end(`user:${user.id}`, 'Account changed');
    return user;
  }
}

/**
 * The ids of the administrator accounts that are not disabled, locked in id order (so that changes
 * made at the same time wait for each other instead of deadlocking) until the transaction ends: a
 * change that could leave none decides on what the changes before it left.
 */
async function lockActiveAdministrators(manager: EntityManager): Promise<string[]> {
  const rows: { id: string }[] = await manager.query(`SELECT id FROM users WHERE role = 'ADMINISTRATOR' AND NOT disabled ORDER BY id FOR UPDATE`);
  return rows.map((row) => row.id);
}
