import 'reflect-metadata';
import fs from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { parseArgs } from 'node:util';
import { CertificateSource } from './certificates/certificate.entity.js';
import { openPrivateKeyVault, reencryptPrivateKeys } from './key-custody/master-key-rotation.js';
import { rotateMasterKeyFile } from './key-custody/private-key-vault.js';
import { systemActor } from './common/actor.js';
import { DomainError } from './common/domain-error.js';
import { loadConfig } from './config/config.js';
import { type Database, openDatabase } from './database/database.js';
import { loadDemoDataIfEmpty } from './demo/demo-data.js';
import { createLogger, type Logger } from './logging/logger.js';
import { createServices, type Services } from './services.js';

const usage = `Backup Applications Manager — operator commands

Usage: node packages/server/dist/cli.js <command> [options]

Commands:
  load-demo-data                 Load the demo organizations, if the database has none.
  import-certificate <file.pfx>  Import a PFX file into the certificate store of this server.
      --non-exportable           Mark the private key not exportable (applications cannot use it).
      --password-stdin           Read the PFX password from the first line of standard input;
                                 otherwise it is read from the PFX_PASSWORD environment variable
                                 (never pass a password as an argument: other users can see those).
  rotate-master-key              Replace the master key file with a new key and re-encrypt every
                                 private key under it. Back up the new key file afterwards.

Commands use the server's configuration (DATABASE_URL, or the embedded database in DATA_DIR — stop
the server first then: the embedded database can be open in one process only).`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { 'non-exportable': { type: 'boolean' }, 'password-stdin': { type: 'boolean' } },
});
const [command, argument] = positionals;
const config = loadConfig();
const logger = createLogger(config.logLevel);

async function withServices(work: (services: Services, database: Database) => Promise<void>): Promise<void> {
  const database = await openDatabase(config, logger, (error) => logger.fatal({ err: error }, 'lost the data folder lock'));
  try {
    const services = await createServices(database.dataSource, config, logger);
    try {
      await work(services, database);
    } finally {
      await services.close();
    }
  } finally {
    await database.close();
  }
}

async function readPassword(): Promise<string> {
  if (values['password-stdin']) return ((await text(process.stdin)).split(/\r?\n/)[0] ?? '');
  return process.env.PFX_PASSWORD ?? '';
}

async function rotateMasterKey(log: Logger): Promise<void> {
  if (config.masterKey.current) {
    throw new Error(
      'MASTER_KEY is set: rotate by setting MASTER_KEY to a new key and MASTER_KEY_PREVIOUS to the old one, then start the server once.',
    );
  }
  const database = await openDatabase(config, log, (error) => log.fatal({ err: error }, 'lost the data folder lock'));
  try {
    // First check every stored key opens with the current master key (or a retired one).
    await reencryptPrivateKeys(database.dataSource, await openPrivateKeyVault(database.dataSource, config.masterKey, log), log);
    const { retiredFile } = await rotateMasterKeyFile(config.masterKey.file);
    const count = await reencryptPrivateKeys(database.dataSource, await openPrivateKeyVault(database.dataSource, config.masterKey, log), log);
    console.log(
      `Master key rotated: ${count} private key(s) re-encrypted. Back up ${config.masterKey.file} now; ` +
        `then delete ${retiredFile}, which is no longer needed.`,
    );
  } finally {
    await database.close();
  }
}

try {
  switch (command) {
    case 'load-demo-data':
      await withServices(async (services, database) => {
        await loadDemoDataIfEmpty(database.dataSource, services.certificateStore, logger);
      });
      break;
    case 'import-certificate': {
      if (!argument) throw new Error('import-certificate needs the path of a PFX file.');
      const file = await fs.readFile(argument);
      const password = await readPassword();
      await withServices(async (services) => {
        const { certificate, chain } = await services.certificateStore.importPfx(
          file,
          password,
          { keyExportable: !values['non-exportable'], source: CertificateSource.COMMAND_LINE },
          systemActor,
        );
        console.log(
          `Imported ${certificate.subject} (thumbprint ${certificate.thumbprint}, expires ${certificate.notAfter.toISOString()})` +
            (chain.length > 0 ? ` with ${chain.length} chain certificate(s).` : '.'),
        );
      });
      break;
    }
    case 'rotate-master-key':
      await rotateMasterKey(logger);
      break;
    default:
      console.log(usage);
      process.exitCode = command ? 1 : 0;
  }
} catch (error) {
  // Domain errors are expected outcomes: their code and plain message, never a stack.
  if (error instanceof DomainError) console.error(`${error.code}: ${error.message}`);
  else console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
}
