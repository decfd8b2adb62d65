import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { checkExpiryCommand } from './cli/check-expiry.command.js';
import { importCertificateCommand } from './cli/import-certificate.command.js';
import { loadDemoDataCommand } from './cli/load-demo-data.command.js';
import { rotateMasterKeyCommand } from './cli/rotate-master-key.command.js';
import type { Command } from './cli/command.js';
import { DomainError } from './common/domain-error.js';
import { loadConfig } from './config/config.js';
import { createLogger } from './logging/logger.js';

/** Operator commands, one per file in `cli/`. */
const commands: readonly Command[] = [loadDemoDataCommand, importCertificateCommand, rotateMasterKeyCommand, checkExpiryCommand];

const usage = `Backup Applications Manager — operator commands

Usage: node packages/server/dist/cli.js <command> [options]

Commands:
${commands.map((command) => command.usage).join('\n')}

Commands use the server's configuration (DATABASE_URL, or the embedded database in DATA_DIR — stop
the server first then: the embedded database can be open in one process only).`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: Object.fromEntries(commands.flatMap((command) => command.flags ?? []).map((flag) => [flag, { type: 'boolean' as const }])),
});
const [name, ...rest] = positionals;
const command = commands.find((candidate) => candidate.name === name);

if (!command) {
  console.log(usage);
  process.exitCode = name ? 1 : 0;
} else {
  try {
    const config = loadConfig();
    await command.run({ config, logger: createLogger(config.logLevel), positionals: rest, flags: values as Record<string, boolean | undefined> });
  } catch (error) {
    // Domain errors are expected outcomes: their code and plain message, never a stack.
    if (error instanceof DomainError) console.error(`${error.code}: ${error.message}`);
    else console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
  }
}
