import { ErrorCode } from '@bam/shared';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditAction } from '../audit/audit-entry.entity.js';
import type { AuditService } from '../audit/audit.service.js';
import { type Actor, anonymousActor, type RequestOrigin, Role, systemActor } from '../common/actor.js';
import { DomainError } from '../common/domain-error.js';
import type { Config } from '../config/config.js';
import { demoAccounts } from '../demo/demo-accounts.js';
import type { Logger } from '../logging/logger.js';
import { API_TOKEN_PREFIX, hashSecret, newSecret } from './credential-secret.js';
import type { EndedCredential } from './credential-end-broadcast.js';
import type { CredentialSockets } from './credential-sockets.js';
import { RecentCredentials } from './recent-credentials.js';
import { hashPassword, isAcceptablePassword, verifyPassword } from './password-hashing.js';
import { newOneTimePassword, showOneTimePassword } from './one-time-password.js';
import { Session } from './session.entity.js';
import type { SignInThrottle } from './sign-in-throttle.js';
import { User } from './user.entity.js';

/** A request's caller, and when its credential ends at the latest (for WebSockets). */
export interface Authentication {
  actor: Actor;
  /** Null for anonymous callers. */
  expiresAt: Date | null;
  /** Keys of the credential in {@link CredentialSockets}. */
  socketKeys: string[];
}

/** What a request presents: an `Authorization` header and/or the session cookie's value. */
export interface PresentedCredentials {
  authorization?: string | null;
  sessionSecret?: string | null;
  origin: RequestOrigin;
}

export interface SignedIn {
  user: User;
  actor: Actor;
  /** The session cookie's value; only its hash is stored. */
  secret: string;
  maxAgeSeconds: number;
}

interface AccountRow {
  userId: string;
  username: string;
  role: Role;
  organizationIds: string[] | null;
  mustChangePassword: boolean;
}

/** Lower case and trimmed: usernames are matched without regard to case. */
export function normalizeUsername(username: string): string {
  return username.trim().toLowerCase();
}

export function userActor(account: AccountRow, sessionId: string | null, origin: RequestOrigin): Actor {
  return {
    id: `user:${account.username}`,
    kind: 'USER',
    name: account.username,
    role: account.role,
    organizationIds: account.organizationIds,
    mustChangePassword: account.mustChangePassword,
    userId: account.userId,
    tokenId: null,
    sessionId,
    origin,
  };
}

/**
 * Sign-in, sessions and the caller of every request. Sessions end after the configured idle time
 * and absolute lifetime; each check of a session or token is one statement that also records its use.
 */
export class AuthenticationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly settings: Config['auth'],
    private readonly throttle: SignInThrottle,
    private readonly sockets: CredentialSockets,
    private readonly logger: Logger,
  ) {
    sockets.onEnd((key) => this.recent.forget(key));
  }

  private readonly recent = new RecentCredentials();

  /** Checks the password and opens a session. Every outcome is audited; failures are counted against guessing. */
  async signIn(username: string, password: string, origin: RequestOrigin): Promise<SignedIn> {
    const name = normalizeUsername(username).slice(0, 64);
    const anonymous = anonymousActor(origin);
    const clientIp = origin.clientIp ?? 'unknown';
    if (!(await this.throttle.beginAttempt(name, clientIp))) {
      await this.audit.recordAlone(anonymous, { action: AuditAction.SIGN_IN_THROTTLED, details: { username: name } });
      throw new DomainError(ErrorCode.SIGN_IN_THROTTLED);
    }
    const user = name ? await this.dataSource.getRepository(User).findOneBy({ username: name }) : null;
    const passwordRight = await verifyPassword(user?.passwordHash ?? null, password);
    if (!user || !passwordRight || user.disabled) {
      await this.audit.recordAlone(anonymous, { action: AuditAction.SIGN_IN_FAILED, details: { username: name } });
      throw new DomainError(ErrorCode.INVALID_CREDENTIALS);
    }
    await this.throttle.recordSuccess(name, clientIp);

    const secret = newSecret();
    const { idle, absolute } = this.timeouts();
    const actor = await this.dataSource.transaction(async (manager) => {
      // Ended sessions are swept here: sign-in is rare enough, and no timer is needed.
      await manager.query(
        `DELETE FROM sessions WHERE last_seen_at < now() - make_interval(secs => $1) OR created_at < now() - make_interval(secs => $2)`,
        [idle, absolute],
      );
      const session = await manager.save(Session, {
        secretHash: hashSecret(secret),
        userId: user.id,
        lastSeenAt: new Date(),
        clientIp: origin.clientIp,
        userAgent: origin.userAgent?.slice(0, 512) ?? null,
      });
      const signedIn = userActor({ ...user, userId: user.id }, session.id, origin);
      await this.audit.record(manager, signedIn, { action: AuditAction.SIGN_IN, details: { sessionId: session.id } });
      return signedIn;
    });
    return { user, actor, secret, maxAgeSeconds: absolute };
  }

  /** Ends the caller's session (API tokens have none: for them it changes nothing). */
  async signOut(actor: Actor): Promise<void> {
    const { sessionId } = actor;
    if (!sessionId) return;
    await this.dataSource.transaction(async (manager) => {
      await manager.delete(Session, { id: sessionId });
      await this.audit.record(manager, actor, { action: AuditAction.SIGN_OUT, details: { sessionId } });
    });
    await this.sockets.end(`session:${sessionId}`, 'Signed out');
  }

  /** Changes a signed-in account's own password; its other sessions end. */
  async changePassword(actor: Actor, currentPassword: string, newPassword: string): Promise<User> {
    if (actor.kind !== 'USER' || !actor.userId) throw new DomainError(ErrorCode.FORBIDDEN);
    const clientIp = actor.origin.clientIp ?? 'unknown';
    if (!(await this.throttle.beginAttempt(actor.name, clientIp))) throw new DomainError(ErrorCode.SIGN_IN_THROTTLED);
    const user = await this.dataSource.getRepository(User).findOneByOrFail({ id: actor.userId });
    if (!(await verifyPassword(user.passwordHash, currentPassword))) throw new DomainError(ErrorCode.INVALID_CREDENTIALS);
    await this.throttle.refund(actor.name, clientIp);
    if (!isAcceptablePassword(newPassword) || newPassword === currentPassword) throw new DomainError(ErrorCode.PASSWORD_TOO_WEAK);
    const passwordHash = await hashPassword(newPassword);

    const ended = await this.dataSource.transaction(async (manager) => {
      await manager.update(User, { id: user.id }, { passwordHash, mustChangePassword: false, passwordChangedAt: new Date() });
      const others: { id: string }[] = await manager.query(
        `WITH ended AS (DELETE FROM sessions WHERE user_id = $1 AND id IS DISTINCT FROM $2 RETURNING id) SELECT id FROM ended`,
        [user.id, actor.sessionId],
      );
      await this.audit.record(manager, actor, { action: AuditAction.PASSWORD_CHANGED, details: { userId: user.id, endedSessions: others.length } });
      return others;
    });
    await Promise.all(ended.map(({ id }) => this.sockets.end(`session:${id}`, 'Password changed')));
    // This session stays, but the remembered copy still says the password must change.
    this.recent.forget(`user:${user.id}`);
    return this.dataSource.getRepository(User).findOneByOrFail({ id: user.id });
  }

  /**
   * Who the request is: an API token when it sends `Authorization: Bearer`, else the session of
   * its cookie, else anonymous. A credential that is unknown, expired or revoked counts as none.
   */
  async authenticate({ authorization, sessionSecret, origin }: PresentedCredentials): Promise<Authentication> {
    const bearer = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
    const token = bearer?.startsWith(API_TOKEN_PREFIX) ? bearer : null;
    const session = !authorization && sessionSecret ? sessionSecret : null;
    if (!token && !session) return anonymous(origin);

    const secretHash = hashSecret((token ?? session)!);
    const key = `${token ? 'token' : 'session'}:${secretHash.toString('hex')}`;
    let found = this.recent.get(key);
    if (!found) {
      const checked = token ? await this.authenticateToken(secretHash, origin) : await this.authenticateSession(secretHash, origin);
      if (!checked) return anonymous(origin);
      this.recent.remember(key, checked, this.rememberForMs());
      found = checked;
    }
    return { ...found, actor: { ...found.actor, origin } };
  }

  /**
   * Which of these credentials (`session:<id>`, `token:<id>`, `user:<id>`, `account:…`) have ended —
   * signed out, revoked, account disabled or its password reset, or the account's role or organization
   * limit is no longer the one its sockets hold — in one query for them all. Expiry is left to each
   * socket's own timer.
   */
  async endedAmong(keys: readonly string[]): Promise<EndedCredential[]> {
    const idsOf = (kind: string) => keys.filter((key) => key.startsWith(`${kind}:`)).map((key) => key.slice(kind.length + 1));
    const accounts = keys.filter((key) => key.startsWith('account:'));
    const [accountIds, roles, scopes] = [0, 1, 2].map((part) => accounts.map((key) => key.split(':')[part + 1]!));
    const rows: { key: string; changed: boolean }[] = await this.dataSource.query(
      `SELECT 'session:' || wanted.id AS key, false AS changed FROM unnest($1::uuid[]) AS wanted (id)
         WHERE NOT EXISTS (SELECT 1 FROM sessions session JOIN users account ON account.id = session.user_id
                           WHERE session.id = wanted.id AND NOT account.disabled)
       UNION ALL
       SELECT 'token:' || wanted.id, false FROM unnest($2::uuid[]) AS wanted (id)
         WHERE NOT EXISTS (SELECT 1 FROM api_tokens token WHERE token.id = wanted.id AND token.revoked_at IS NULL)
       UNION ALL
       SELECT 'user:' || wanted.id, false FROM unnest($3::uuid[]) AS wanted (id)
         WHERE NOT EXISTS (SELECT 1 FROM users account WHERE account.id = wanted.id AND NOT account.disabled)
       UNION ALL
       SELECT wanted.key, true FROM unnest($4::text[], $5::uuid[], $6::text[], $7::text[]) AS wanted (key, id, role, scope)
         WHERE NOT EXISTS (SELECT 1 FROM users account WHERE account.id = wanted.id AND NOT account.disabled
                             AND account.role::text = wanted.role
                             AND account.organization_ids IS NOT DISTINCT FROM nullif(wanted.scope, '*')::uuid[])`,
      [idsOf('session'), idsOf('token'), idsOf('user'), accounts, accountIds, roles, scopes],
    );
    return rows.map(({ key, changed }) => ({ key, reason: changed ? 'Account changed' : 'Credential ended' }));
  }

  /** A few seconds, and well within the idle timeout, so idle sessions still end on time. */
  private rememberForMs(): number {
    return Math.min(5000, (this.settings.sessionIdleTimeoutSeconds * 1000) / 10);
  }

  private async authenticateSession(secretHash: Buffer, origin: RequestOrigin): Promise<Authentication | null> {
    const { idle, absolute } = this.timeouts();
    // Reading is one statement; the last-seen time is written only when it is older than a tenth of the
    // idle timeout (at most a minute), so most requests write nothing.
    const [row]: (AccountRow & { sessionId: string; createdAt: Date })[] = await this.dataSource.query(
      `WITH current AS (
         SELECT session.id AS "sessionId", session.created_at AS "createdAt", session.last_seen_at AS "lastSeenAt",
           account.id AS "userId", account.username, account.role, account.organization_ids AS "organizationIds",
           account.must_change_password AS "mustChangePassword"
         FROM sessions session JOIN users account ON account.id = session.user_id
         WHERE session.secret_hash = $1 AND NOT account.disabled
           AND session.last_seen_at > now() - make_interval(secs => $2)
           AND session.created_at > now() - make_interval(secs => $3)),
       seen AS (
         UPDATE sessions SET last_seen_at = now() FROM current
         WHERE sessions.id = current."sessionId" AND current."lastSeenAt" < now() - make_interval(secs => least(60, $2::float / 10)))
       SELECT * FROM current`,
      [secretHash, idle, absolute],
    );
    if (!row) return null;
    return {
      actor: userActor(row, row.sessionId, origin),
      expiresAt: new Date(new Date(row.createdAt).getTime() + absolute * 1000),
      socketKeys: [`session:${row.sessionId}`, `user:${row.userId}`, heldAccountKey(row)],
    };
  }

  private async authenticateToken(secretHash: Buffer, origin: RequestOrigin): Promise<Authentication | null> {
    // The last use is recorded to the minute: most requests only read.
    const [row]: { id: string; name: string; role: Role; organizationIds: string[] | null; expiresAt: Date }[] = await this.dataSource.query(
      `WITH token AS (
         SELECT id, name, role, organization_ids AS "organizationIds", expires_at AS "expiresAt", last_used_at AS "lastUsedAt"
         FROM api_tokens WHERE secret_hash = $1 AND revoked_at IS NULL AND expires_at > now()),
       used AS (
         UPDATE api_tokens SET last_used_at = now() FROM token
         WHERE api_tokens.id = token.id AND (token."lastUsedAt" IS NULL OR token."lastUsedAt" < now() - interval '1 minute'))
       SELECT * FROM token`,
      [secretHash],
    );
    if (!row) return null;
    const actor: Actor = {
      ...systemActor,
      id: `token:${row.id}`,
      kind: 'TOKEN',
      name: row.name,
      role: row.role,
      organizationIds: row.organizationIds,
      tokenId: row.id,
      origin,
    };
    return { actor, expiresAt: new Date(row.expiresAt), socketKeys: [`token:${row.id}`] };
  }

  /**
   * First start: with no account at all, creates the demo accounts (DEMO_DATA) or the configured
   * administrator (INITIAL_ADMIN_*), whose passwords the operator already knows. Otherwise nothing:
   * see {@link createOneTimeAdministratorIfNone}, once the server listens.
   */
  async createFirstAccounts(demoData: boolean): Promise<void> {
    const { initialAdmin } = this.settings;
    if (!demoData && !initialAdmin) return;
    await this.ifNoAccountYet(async (manager) => {
      if (demoData) {
        for (const account of demoAccounts) await this.createAccount(manager, account.username, account.password, account.role, false);
        this.logger.info({ usernames: demoAccounts.map((account) => account.username) }, 'demo accounts created (passwords in the README)');
        return;
      }
      await this.createAccount(manager, normalizeUsername(initialAdmin!.username), initialAdmin!.password, Role.ADMINISTRATOR, false);
      this.logger.info({ username: normalizeUsername(initialAdmin!.username) }, 'initial administrator created from INITIAL_ADMIN_USERNAME');
    });
  }

  /**
   * Still no account once the server listens: creates "admin" with a one-time password printed once, to
   * change at first sign-in. Only then: a start that fails before (a PORT in use) must not have shown a
   * password for an account the next start would not show again.
   */
  async createOneTimeAdministratorIfNone(): Promise<void> {
    const oneTimePassword = await this.ifNoAccountYet(async (manager) => {
      const password = newOneTimePassword();
      await this.createAccount(manager, 'admin', password, Role.ADMINISTRATOR, true);
      this.logger.warn('no account existed: created administrator "admin"; its one-time password is shown once on standard error');
      return password;
    });
    // Once the account exists for sure (committed).
    if (oneTimePassword) showOneTimePassword('admin', oneTimePassword);
  }

  /** Runs `create` in a transaction if no account exists; two instances starting together on one database take turns. */
  private ifNoAccountYet<T>(create: (manager: EntityManager) => Promise<T>): Promise<T | undefined> {
    return this.dataSource.transaction(async (manager) => {
      // The second instance waits, then finds the accounts.
      await manager.query(`LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE`);
      if ((await manager.count(User)) > 0) return undefined;
      return create(manager);
    });
  }

  private async createAccount(manager: EntityManager, username: string, password: string, role: Role, mustChangePassword: boolean): Promise<void> {
    const user = await manager.save(User, {
      username,
      passwordHash: await hashPassword(password),
      role,
      organizationIds: null,
      mustChangePassword,
      disabled: false,
      passwordChangedAt: new Date(),
    });
    await this.audit.record(manager, systemActor, { action: AuditAction.USER_CREATED, details: { userId: user.id, username, role } });
  }

  private timeouts(): { idle: number; absolute: number } {
    return { idle: this.settings.sessionIdleTimeoutSeconds, absolute: this.settings.sessionAbsoluteTimeoutSeconds };
  }
}

/**
 * A socket's key for the role and organization limit its account had when it connected (the
 * limit as PostgreSQL prints a uuid array, `*` for none), so a change missed while notices could not
 * arrive still ends it (see `endedAmong`).
 */
function heldAccountKey({ userId, role, organizationIds }: AccountRow): string {
  return `account:${userId}:${role}:${organizationIds ? `{${organizationIds.join(',')}}` : '*'}`;
}

function anonymous(origin: RequestOrigin): Authentication {
  return { actor: anonymousActor(origin), expiresAt: null, socketKeys: [] };
}
