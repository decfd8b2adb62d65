import 'reflect-metadata';
import path from 'node:path';
import { demoSeedPath, startEntraEmulator } from '@bam/entra-emulator';
import { connectDemoTenantsIfEmpty, registerStoredKeysInEmulator } from './demo/demo-tenants.js';
import { runServer } from './run-server.js';

/**
 * `start:demo`, the offline demo tenant: starts the Entra emulator with the demo tenants in this process,
 * points the server's Entra settings at it, and connects the demo organizations through addOrganization
 * and addApplications, as production onboards a tenant. The emulator serves until the process exits, after
 * the server's stop: an update the shutdown timeout cut may still be calling it, and an emulator stopped
 * under it would only make it fail in the process's last moments.
 */
await runServer(async (config, logger) => {
  const dataDir = path.join(config.dataDir, 'entra-emulator');
  const emulator = await startEntraEmulator({ port: config.demoEntraEmulatorPort, dataDir, seed: demoSeedPath });
  logger.info({ url: emulator.url, dataDir }, 'Entra emulator serving the demo tenants');
  return {
    overrides: {
      ENTRA_AUTHORITY_HOST: emulator.url,
      ENTRA_GRAPH_BASE_URL: emulator.url,
      ENTRA_CA_FILE: path.join(dataDir, 'ca.pem'),
      // The demo accounts of the README's quick start, on a database that has no account yet.
      DEMO_DATA: 'true',
    },
    async prepare({ database: { dataSource }, services }) {
      const demoLogger = logger.child({ component: 'demo' });
      const loaded = await connectDemoTenantsIfEmpty(dataSource, services, emulator.admin, demoLogger);
      if (!loaded) await registerStoredKeysInEmulator(dataSource, emulator.admin, demoLogger);
    },
  };
});
