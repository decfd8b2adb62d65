import { ErrorCode } from '@bam/shared';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../common/actor.js';
import { DomainError } from '../common/domain-error.js';

/**
 * Re-reads the acting account (or token) in the caller's transaction, share-locked until it ends: one disabled,
 * demoted or revoked since its request was authorized — by a change that committed first, or one still holding
 * the row, which this waits for — no longer acts as an administrator (FORBIDDEN, as updateUser answers). A change
 * to the row that comes later waits for the caller's commit. The server itself (SYSTEM) is not re-read.
 */
export async function holdActingAdministrator(manager: EntityManager, actor: Actor): Promise<void> {
  const rows: unknown[] =
    actor.kind === 'USER'
      ? await manager.query(`SELECT 1 FROM users WHERE id = $1 AND role = 'ADMINISTRATOR' AND NOT disabled FOR SHARE`, [actor.userId])
      : actor.kind === 'TOKEN'
        ? await manager.query(
            `SELECT 1 FROM api_tokens WHERE id = $1 AND role = 'ADMINISTRATOR' AND revoked_at IS NULL AND expires_at > now() FOR SHARE`,
            [actor.tokenId],
          )
        : [undefined];
  if (rows.length === 0) throw new DomainError(ErrorCode.FORBIDDEN);
}
