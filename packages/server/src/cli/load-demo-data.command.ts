import { loadDemoDataIfEmpty } from '../demo/demo-data.js';
import type { Command } from './command.js';
import { withApp } from './with-app.js';

export const loadDemoDataCommand: Command = {
  name: 'load-demo-data',
  usage:
    '  load-demo-data                 Load the demo organizations, if the database has none. They are NOT connected to\n' +
    '                                 Microsoft Entra: certificate updates change only this server. `start:demo` loads\n' +
    '                                 them connected to its Entra emulator instead.',
  run: (context) =>
    withApp(context, async ({ database, services }) => {
      await loadDemoDataIfEmpty(database.dataSource, services.certificateStore, context.logger);
    }),
};
