import { type App, openApp } from '../app.js';
import type { CommandContext } from './command.js';

/** Runs a command's work against the configured database with every module's services, then closes them. */
export async function withApp({ config, logger }: CommandContext, work: (app: App) => Promise<void>): Promise<void> {
  const app = await openApp(config, logger, (error) => logger.fatal({ err: error }, 'lost the data folder lock'));
  try {
    await work(app);
  } finally {
    await app.close();
  }
}
