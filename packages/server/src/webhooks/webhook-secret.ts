import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { PrivateKeyVault } from '../key-custody/private-key-vault.js';
import type { Logger } from '../logging/logger.js';
import { WebhookEndpoint } from './webhook-endpoint.entity.js';

/** Standard Webhooks secrets: `whsec_` and the base64 of the key (32 random bytes here). */
const SECRET_PREFIX = 'whsec_';

export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/** Seals a secret under the master key, bound to its endpoint (a ciphertext cannot be moved to another row). */
export function sealWebhookSecret(vault: PrivateKeyVault, endpointId: string, secret: string): { secretCiphertext: Buffer; masterKeyId: string } {
  const sealed = vault.seal(Buffer.from(secret, 'utf8'), associatedData(endpointId));
  return { secretCiphertext: sealed.ciphertext, masterKeyId: sealed.masterKeyId };
}

export function openWebhookSecret(vault: PrivateKeyVault, endpoint: { id: string; secretCiphertext: Buffer; masterKeyId: string }): string {
  const plain = vault.open({ ciphertext: endpoint.secretCiphertext, masterKeyId: endpoint.masterKeyId }, associatedData(endpoint.id));
  try {
    return plain.toString('utf8');
  } finally {
    plain.fill(0);
  }
}

function associatedData(endpointId: string): string {
  return `webhook-endpoint:${endpointId}`;
}

/**
 * Re-seals, in one transaction, every webhook secret sealed with an earlier master key under the
 * current one (at start-up, and after `rotate-master-key`), so the earlier key can be retired. A secret
 * sealed with a key the server does not have is left as it is: its deliveries fail with that reason
 * until an administrator rotates the secret.
 */
export async function reencryptWebhookSecrets(dataSource: DataSource, vault: PrivateKeyVault, logger: Logger): Promise<number> {
  return dataSource.transaction(async (manager) => {
    const stale = await manager
      .getRepository(WebhookEndpoint)
      .createQueryBuilder('endpoint')
      .where('endpoint.masterKeyId <> :current', { current: vault.currentKeyId })
      .setLock('pessimistic_write')
      .getMany();
    const openable = stale.filter((endpoint) => vault.knows(endpoint.masterKeyId));
    for (const endpoint of openable) {
      await manager.update(WebhookEndpoint, { id: endpoint.id }, sealWebhookSecret(vault, endpoint.id, openWebhookSecret(vault, endpoint)));
    }
    if (openable.length < stale.length) {
      logger.error(
        { endpointIds: stale.filter((endpoint) => !vault.knows(endpoint.masterKeyId)).map((endpoint) => endpoint.id) },
        'webhook secrets are sealed with a master key this server does not have: rotate their secrets',
      );
    }
    if (openable.length > 0)
      logger.info({ count: openable.length, masterKeyId: vault.currentKeyId }, 'webhook secrets re-encrypted under the current master key');
    return openable.length;
  });
}
