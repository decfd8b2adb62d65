import type { DomainModule } from '../domain-module.js';
import { openPrivateKeyVault, reencryptPrivateKeys } from './master-key-rotation.js';
import type { PrivateKeyVault } from './private-key-vault.js';

declare module '../domain-module.js' {
  interface Services {
    privateKeyVault: PrivateKeyVault;
  }
}

/**
 * Custody of private keys: the master key, sealing at rest, and re-encryption of keys sealed with an
 * earlier master key (done at start-up, before anything reads a key).
 */
export const keyCustodyModule: DomainModule = {
  name: 'key-custody',
  async createServices({ dataSource, config, logger, sealedColumns }) {
    const privateKeyVault = await openPrivateKeyVault(dataSource, sealedColumns, config.masterKey, logger);
    await reencryptPrivateKeys(dataSource, privateKeyVault, logger);
    return { privateKeyVault };
  },
};
