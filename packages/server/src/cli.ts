import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { checkExpiryCommand } from './cli/check-expiry.command.js';
import { importCertificateCommand } from './cli/import-certificate.command.js';
import { loadDemoDataCommand } from './cli/load-demo-data.command.js';
import { resetPasswordCommand } from './cli/reset-password.command.js';
import { rotateMasterKeyCommand } from './cli/rotate-master-key.command.js';
import type { Command } from './cli/command.js';
import { DomainError } from './common/domain-error.js';
import { loadConfig } from './config/config.js';
import { createLogger } from './logging/logger.js';

/** Operator commands, one per file in `cli/`. */
const commands: readonly Command[] = [
  loadDemoDataCommand,
  importCertificateCommand,
  rotateMasterKeyCommand,
  checkExpiryCommand,
  resetPasswordCommand,
];

const usage = `Backup Applications Manager — operator commands

Usage: node packages/server/dist/cli.js <command> [options]

Commands:
${commands.map((command) => command.usage).join('\n')}

Commands use the server's configuration (DATABASE_URL, or the embedded database in DATA_DIR — stop
the server first then: the embedded database can be open in one process only).`;

/** The words given, or null after telling the operator what is wrong with them (exit code 2). */
function readArguments() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(commands.flatMap((command) => command.flags ?? []).map((flag) => [flag, { type: 'boolean' as const }])),
      },
    });
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    process.exitCode = 2;
    return null;
  }
}

const given = readArguments();
const [name, ...rest] = given?.positionals ?? [];
const { help, ...flags } = given?.values ?? {};
const command = commands.find((candidate) => candidate.name === name);
const foreignFlag = Object.keys(flags).find((flag) => !command?.flags?.includes(flag));

if (!given) {
  // Told already.
} else if (help || name === undefined || name === 'help') {
  console.log(usage);
} else if (!command) {
  console.error(`Unknown command: ${name}\n\n${usage}`);
  process.exitCode = 1;
} else if (foreignFlag) {
  console.error(`--${foreignFlag} is not an option of ${command.name}\n\n${usage}`);
  process.exitCode = 2;
} else {
  try {
    const config = loadConfig();
    await command.run({ config, logger: createLogger(config.logLevel), positionals: rest, flags: flags as Record<string, boolean | undefined> });
  } catch (error) {
    // Domain errors are expected outcomes: their code and plain message, never a stack.
    if (error instanceof DomainError) console.error(`${error.code}: ${error.message}`);
    else console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
  }
}
