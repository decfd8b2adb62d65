import { type Config, ConfigError, loadConfig } from './config/config.js';
import { OperatorError } from './common/operator-error.js';
import { createLogger, type Logger } from './logging/logger.js';
import { startServer, type StartOptions } from './server.js';

/** After SHUTDOWN_TIMEOUT_SECONDS, the time left to close connections and the database before the process exits anyway. */
const CLOSING_MARGIN_MS = 20_000;

/** What a launcher adds to a plain start. */
export interface Launch extends StartOptions {
  /** Settings that replace the environment's (the offline demo points Entra at its emulator). */
  overrides?: Record<string, string>;
}

/** Loads the configuration, serves until SIGTERM or SIGINT, then stops gracefully; exits on start-up failure. */
export async function runServer(launch: (config: Config, logger: Logger) => Promise<Launch> = async () => ({})): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    createLogger('info').fatal(error.message);
    process.exit(1);
  }

  const logger = createLogger(config.logLevel);

  try {
    const { overrides, ...options } = await launch(config, logger);
    if (overrides) config = loadConfig(undefined, overrides);
    const server = await startServer(config, logger, options);
    const shutDown = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      setTimeout(() => {
        logger.error('closing did not finish in time; exiting without closing the database');
        process.exit(1);
      }, config.shutdownTimeoutMs + CLOSING_MARGIN_MS).unref();
      server.stop().then(
        // 1 when work was cut: the operator's supervisor sees that this stop lost work.
        (finished) => process.exit(finished ? 0 : 1),
        (error: unknown) => {
          logger.error({ err: error }, 'error while shutting down');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', shutDown);
    process.once('SIGINT', shutDown);
  } catch (error) {
    // Something the operator fixes (a setting, or data a migration refuses): one line naming it, without a stack.
    // Anything else is a bug, logged with its stack.
    if (error instanceof OperatorError) logger.fatal({ setting: error.setting }, error.message);
    else logger.fatal({ err: error }, 'the server could not start');
    process.exit(1);
  }
}
