// Before any module with decorators (entities, GraphQL types) loads.
import 'reflect-metadata';
import { DomainError } from '../common/domain-error.js';
import { loadConfig } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import type { Command } from './command.js';

/** Runs the command with the server's configuration; resolves with the process's exit code. */
export async function runCommand(command: Command, positionals: string[], flags: Record<string, boolean | undefined>): Promise<number> {
  try {
    const config = loadConfig();
    const work = await command.load();
    await work.run({ config, logger: createLogger(config.logLevel), positionals, flags });
    return 0;
  } catch (error) {
    // Domain errors are expected outcomes: their code and plain message, never a stack.
    if (error instanceof DomainError) console.error(`${error.code}: ${error.message}`);
    else console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
}
