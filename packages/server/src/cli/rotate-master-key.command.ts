import pg from 'pg';
import { sealedColumns } from '../app.js';
import { NOTIFICATIONS_APPLICATION_NAME } from '../database/database-notifications.js';
import { openPrivateKeyVault, reencryptPrivateKeys } from '../key-custody/master-key-rotation.js';
import { rotateMasterKeyFile } from '../key-custody/private-key-vault.js';
import { reencryptWebhookSecrets } from '../webhooks/webhook-secret.js';
import type { CommandContext } from './command.js';
import { withApp } from './with-app.js';

/** `rotate-master-key`: a new master key file, every sealed secret re-encrypted under it. */
export async function run(context: CommandContext): Promise<void> {
  const { config, logger } = context;
  if (config.masterKey.current) {
    throw new Error(
      'MASTER_KEY is set: rotate by setting MASTER_KEY to a new key and MASTER_KEY_PREVIOUS to the old one, then start the server once.',
    );
  }
  if (config.databaseUrl) await refuseWhileServersRun(config.databaseUrl);
  // Opening the app first proves every stored key opens with the current master key (or a retired one).
  await withApp(context, async ({ database }) => {
    const { retiredFile } = await rotateMasterKeyFile(config.masterKey.file);
    const vault = await openPrivateKeyVault(database.dataSource, sealedColumns, config.masterKey, logger);
    const count = await reencryptPrivateKeys(database.dataSource, vault, logger);
    const secrets = await reencryptWebhookSecrets(database.dataSource, vault, logger);
    console.log(
      `Master key rotated: ${count} private key(s) and ${secrets} webhook secret(s) re-encrypted. Back up ${config.masterKey.file} now; ` +
        `then delete ${retiredFile}, which is no longer needed.`,
    );
  });
}

/**
 * A running server keeps sealing with the key it read at start, which the rotation retires: what it
 * seals afterwards is lost once the retired file is deleted. Every server on PostgreSQL holds its
 * notification connection while it runs (the embedded database's folder lock keeps servers out there).
 */
async function refuseWhileServersRun(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ servers: number }>(
      `SELECT count(*)::int AS servers FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
      [NOTIFICATIONS_APPLICATION_NAME],
    );
    if (rows[0]!.servers > 0) {
      throw new Error(
        `${rows[0]!.servers} server(s) are running on this database and would go on sealing with the old key. Stop every server on this database first, then rotate.`,
      );
    }
  } finally {
    await client.end();
  }
}
