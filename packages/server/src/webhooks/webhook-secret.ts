import { randomBytes } from 'node:crypto';
import type { PrivateKeyVault } from '../key-custody/private-key-vault.js';

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
