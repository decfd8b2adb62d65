import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { loadConfig } from './config/config.js';
import { openDatabase } from './database/database.js';
import { loadDemoDataIfEmpty } from './demo/demo-data.js';
import { createLogger } from './logging/logger.js';

const usage = `Backup Applications Manager — operator commands

Usage: node dist/cli.js <command>

Commands:
  load-demo-data   Load the demo organizations, if the database has none.

The database is the one the server uses (DATABASE_URL, or the embedded one in DATA_DIR — stop the
server first: the embedded database can be open in one process only).`;

const { positionals } = parseArgs({ allowPositionals: true, options: {} });
const [command] = positionals;
const config = loadConfig();
const logger = createLogger(config.logLevel);

switch (command) {
  case 'load-demo-data': {
    const database = await openDatabase(config, logger, (error) => logger.fatal({ err: error }, 'lost the data folder lock'));
    try {
      await loadDemoDataIfEmpty(database.dataSource, logger);
    } finally {
      await database.close();
    }
    break;
  }
  default:
    console.log(usage);
    process.exitCode = command ? 1 : 0;
}
