import { type DataSource } from 'typeorm';
import type { SealedColumn } from '../domain-module.js';
import type { Logger } from '../logging/logger.js';
import { Certificate } from '../certificates/certificate.entity.js';
import { type MasterKeySettings, MasterKeyError, PrivateKeyVault } from './private-key-vault.js';

/**
 * Opens the vault for this database: a key file may only be created while nothing is sealed — no
 * private key, no secret of any module (`sealedColumns`, from the composition root).
 */
export async function openPrivateKeyVault(
  dataSource: DataSource,
  sealedColumns: readonly SealedColumn[],
  settings: MasterKeySettings,
  logger: Logger,
): Promise<PrivateKeyVault> {
  const holdsSealedValues = await Promise.all(
    sealedColumns.map(async ({ table, masterKeyIdColumn }) => {
      const [row] = (await dataSource.query(`SELECT EXISTS (SELECT 1 FROM "${table}" WHERE "${masterKeyIdColumn}" IS NOT NULL) AS sealed`)) as {
        sealed: boolean;
      }[];
      return row!.sealed;
    }),
  );
  return PrivateKeyVault.open(settings, logger, { createIfMissing: !holdsSealedValues.includes(true) });
}

/**
 * Re-encrypts, in one transaction, every private key sealed with an earlier master key under the
 * current one, so earlier keys can be retired. Runs at start-up (it costs one query when there is
 * nothing to do) and after `rotate-master-key`. Fails before changing anything when a key was
 * sealed with a master key the server does not have: starting anyway would make it unusable.
 */
export async function reencryptPrivateKeys(dataSource: DataSource, vault: PrivateKeyVault, logger: Logger): Promise<number> {
  return dataSource.transaction(async (manager) => {
    const stale = await manager
      .getRepository(Certificate)
      .createQueryBuilder('certificate')
      .select(['certificate.id', 'certificate.thumbprint', 'certificate.privateKeyMasterKeyId'])
      .addSelect('certificate.privateKeyCiphertext')
      .where('certificate.privateKeyMasterKeyId IS NOT NULL')
      .andWhere('certificate.privateKeyMasterKeyId <> :current', { current: vault.currentKeyId })
      .setLock('pessimistic_write')
      .getMany();
    if (stale.length === 0) return 0;

    const unknown = [...new Set(stale.map((row) => row.privateKeyMasterKeyId!).filter((id) => !vault.knows(id)))];
    if (unknown.length > 0) {
      throw new MasterKeyError(
        'MASTER_KEY',
        `Private keys are sealed with master key(s) ${unknown.join(', ')}, which this server does not have. ` +
          'Restore the master key file (or MASTER_KEY / MASTER_KEY_PREVIOUS) from your backup.',
      );
    }
    for (const row of stale) {
      const privateKey = vault.open({ ciphertext: row.privateKeyCiphertext!, masterKeyId: row.privateKeyMasterKeyId! }, row.thumbprint);
      const sealed = vault.seal(privateKey, row.thumbprint);
      privateKey.fill(0);
      await manager.update(Certificate, { id: row.id }, { privateKeyCiphertext: sealed.ciphertext, privateKeyMasterKeyId: sealed.masterKeyId });
    }
    logger.info({ count: stale.length, masterKeyId: vault.currentKeyId }, 'private keys re-encrypted under the current master key');
    return stale.length;
  });
}
