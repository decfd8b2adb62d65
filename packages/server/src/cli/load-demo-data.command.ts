import { loadDemoDataIfEmpty } from '../demo/demo-data.js';
import type { CommandContext } from './command.js';
import { withApp } from './with-app.js';

/** `load-demo-data`: the demo organizations, into a database that has none. */
export async function run(context: CommandContext): Promise<void> {
  await withApp(context, async ({ database, services }) => {
    await loadDemoDataIfEmpty(database.dataSource, services.certificateStore, context.logger);
  });
}
