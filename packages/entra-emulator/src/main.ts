import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startEntraEmulator } from './emulator.js';

/** `node dist/main.js [--port 4433] [--data-dir .data/entra-emulator] [--seed file.json] [--admin-token t]` */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4433' },
    'data-dir': { type: 'string', default: '.data/entra-emulator' },
    seed: { type: 'string' },
    'admin-token': { type: 'string' },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a TCP port, got '${values.port}'`);
  process.exit(2);
}
const dataDir = resolve(values['data-dir']);
const emulator = await startEntraEmulator({ port, dataDir, seed: values.seed, adminToken: values['admin-token'] });

console.log(`Microsoft Entra emulator on ${emulator.url}
  authority host  ${emulator.url}   (token endpoint ${emulator.url}/{tenant}/oauth2/v2.0/token)
  Graph           ${emulator.graphBaseUrl}
  CA certificate  ${join(dataDir, 'ca.pem')}   (trust it explicitly, e.g. NODE_EXTRA_CA_CERTS)
  admin endpoint  ${emulator.url}/_emulator   token in ${join(dataDir, 'admin-token')}
  admin token     ${emulator.adminToken}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void emulator.stop().then(() => process.exit(0));
  });
}
