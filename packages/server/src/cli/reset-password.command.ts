import { ErrorCode } from '@bam/shared';
import { normalizeUsername } from '../auth/authentication.service.js';
import { newOneTimePassword } from '../auth/one-time-password.js';
import { User } from '../auth/user.entity.js';
import { type Actor, systemActor } from '../common/actor.js';
import { DomainError } from '../common/domain-error.js';
import type { CommandContext } from './command.js';
import { withApp } from './with-app.js';

/** Who the audit log names for a reset made here: whoever could run the server's commands. */
const commandLineActor: Actor = Object.freeze({ ...systemActor, id: 'command-line', name: 'command line' });

/** `reset-password <username>`: a new one-time password for the account, its sessions ended. */
export async function run(context: CommandContext): Promise<void> {
  const [username] = context.positionals;
  if (!username) throw new Error('reset-password needs the username of the account.');
  await withApp(context, async ({ database, services }) => {
    const user = await database.dataSource.getRepository(User).findOneBy({ username: normalizeUsername(username) });
    if (!user) throw new DomainError(ErrorCode.USER_NOT_FOUND, [username]);
    if (user.disabled && !context.flags.enable) {
      throw new Error(`The account "${user.username}" is disabled; nothing was changed. Add --enable to enable it with a new password.`);
    }
    const password = newOneTimePassword();
    // The same change as an administrator's reset in the console: sessions end, sockets close, audited.
    await services.userAccounts.update(commandLineActor, user.id, { password, ...(context.flags.enable ? { disabled: false } : {}) });
    console.log(
      `Account "${user.username}"${user.disabled ? ' enabled; its' : ':'} one-time password: ${password}\n` +
        'It is shown only this once; the account must change it at its next sign-in. Its sessions have ended.',
    );
  });
}
