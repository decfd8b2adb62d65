import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';

/** What a command runs with: the server's configuration and logger, and its command-line words. */
export interface CommandContext {
  config: Config;
  logger: Logger;
  /** The words after the command name. */
  positionals: string[];
  /** The flags the command declared, as given. */
  flags: Record<string, boolean | undefined>;
}

/** A command's work, in its own `<name>.command.ts`. */
export interface CommandWork {
  run(context: CommandContext): Promise<void>;
}

/** One operator command of `cli.js`: what `--help` and the argument check need, and its work. */
export interface Command {
  name: string;
  /** Usage lines: the command with its arguments, then its flags, as `--help` prints them. */
  usage: string;
  /** Boolean flags the command takes. */
  flags?: readonly string[];
  /** Imports the work, and the application it opens, only to run it: `--help` and wrong words answer at once. */
  load(): Promise<CommandWork>;
}
