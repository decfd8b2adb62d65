import 'reflect-metadata';
import { type Config, ConfigError, loadConfig } from './config/config.js';
import { DataDirectoryLockedError } from './database/data-directory-lock.js';
import { DatabaseUnreachableError } from './database/database.js';
import { createLogger } from './logging/logger.js';
import { startServer } from './server.js';

const FORCED_EXIT_AFTER_MS = 20_000;

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
  const server = await startServer(config, logger);
  const shutDown = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('in-flight work did not finish in time; exiting anyway');
      process.exit(1);
    }, FORCED_EXIT_AFTER_MS).unref();
    server.stop().then(
      () => process.exit(),
      (error: unknown) => {
        logger.error({ err: error }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutDown);
  process.once('SIGINT', shutDown);
} catch (error) {
  if (error instanceof DataDirectoryLockedError || error instanceof DatabaseUnreachableError) logger.fatal(error.message);
  else logger.fatal({ err: error }, 'the server could not start');
  process.exit(1);
}
