import { parseArgs } from 'node:util';
import { commands } from './cli/commands.js';

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
  // The application loads only here, once the words are right.
  const { runCommand } = await import('./cli/run-command.js');
  process.exitCode = await runCommand(command, rest, flags as Record<string, boolean | undefined>);
}
