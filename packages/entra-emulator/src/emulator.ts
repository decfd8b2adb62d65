import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ADMIN_PREFIX, addAdminRoutes } from './admin/admin.routes.js';
import { EmulatorAdmin } from './admin/emulator-admin.js';
import { Directory } from './directory/directory.js';
import { demoSeedPath, parseSeed, readSeedFile, type Seed } from './directory/seed.js';
import { FaultPlan } from './faults/fault-plan.js';
import { addGraphRoutes } from './graph/graph-routes.js';
import { graphErrorResponse, graphErrors } from './graph/graph-error.js';
import { RequestLog } from './http/request-log.js';
import { type EmulatorResponse, readBody, Router, safeDecode, send } from './http/router.js';
import { AccessTokenSigner } from './sts/access-token.js';
import { addStsRoutes } from './sts/sts.routes.js';
import { loadOrCreateTlsMaterial } from './tls/certificate-authority.js';

export interface EntraEmulatorOptions {
  /** The directory to serve: a seed object or the path of a seed JSON file. Default: the demo tenants. */
  seed?: Seed | string;
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; loopback by default, as the emulator is for this machine only. */
  host?: string;
  /** Folder keeping the CA, TLS certificate, token signing key and admin token across starts; unset: memory only. */
  dataDir?: string;
  /** Admin endpoint token; unset: a random one. */
  adminToken?: string;
}

export interface RunningEntraEmulator {
  /** `https://localhost:{port}`: the authority host for `@azure/identity` and the Graph host. */
  url: string;
  port: number;
  /** `{url}/v1.0`: the Graph base URL. */
  graphBaseUrl: string;
  /** The CA that signed the emulator's TLS certificate: clients trust it explicitly. */
  caCertificatePem: string;
  /** Bearer token of the admin endpoint (`{url}/_emulator/...`). */
  adminToken: string;
  /** The same controls as the admin endpoint, in process. */
  admin: EmulatorAdmin;
  stop(): Promise<void>;
}

/** Starts the emulator: HTTPS with its own CA, the Entra token endpoints, Graph v1.0 and the admin endpoint. */
export async function startEntraEmulator(options: EntraEmulatorOptions = {}): Promise<RunningEntraEmulator> {
  const seed = typeof options.seed === 'object' ? parseSeed(options.seed) : await readSeedFile(options.seed ?? demoSeedPath);
  const tls = await loadOrCreateTlsMaterial(options.dataDir);
  const signer = await AccessTokenSigner.create(options.dataDir);
  const directory = new Directory(seed);
  const faults = new FaultPlan();
  const requests = new RequestLog();
  const admin = new EmulatorAdmin(directory, faults, seed, requests);
  const adminToken = options.adminToken ?? randomBytes(32).toString('base64url');

  const router = new Router();
  addStsRoutes(router, { directory, faults, signer });
  addGraphRoutes(router, { directory, faults, signer });
  addAdminRoutes(router, admin, adminToken);

  const server = createServer({ key: tls.serverKeyPem, cert: tls.serverCertificatePem }, (request, response) => {
    void (async () => {
      try {
        const url = new URL(request.url ?? '/', 'https://localhost');
        const method = request.method ?? 'GET';
        const body = await readBody(request);
        const route = router.match(method, url.pathname);
        let answer: EmulatorResponse;
        if (route) {
          const { headers, socket } = request;
          answer = await route.handler({ method, url, params: route.params, headers, remoteAddress: socket.remoteAddress, body });
        } else {
          answer = url.pathname.startsWith('/v1.0/')
            ? graphErrorResponse(graphErrors.noRoute(url.pathname), undefined)
            : { status: 404, json: { error: 'not_found', error_description: `The Entra emulator does not serve ${method} ${url.pathname}.` } };
        }
        // The admin endpoint's own calls are not logged: a test reading the log over HTTP would see itself.
        if (!url.pathname.startsWith(`${ADMIN_PREFIX}/`)) {
          requests.record({ method, path: url.pathname, query: safeDecode(url.search), status: answer.status });
        }
        send(response, answer);
      } catch (error) {
        // Only the message: request bodies may carry certificates, never log them.
        console.error(`entra-emulator: ${request.method} ${request.url?.split('?')[0]} failed: ${(error as Error).message}`);
        if (!response.headersSent) send(response, { status: 500, json: { error: 'server_error', error_description: 'The Entra emulator failed.' } });
      }
    })();
  });

  await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const { port } = server.address() as AddressInfo;
  if (options.dataDir) await writeFile(join(options.dataDir, 'admin-token'), adminToken, { mode: 0o600 });
  const url = `https://localhost:${port}`;
  return {
    url,
    port,
    graphBaseUrl: `${url}/v1.0`,
    caCertificatePem: tls.caCertificatePem,
    adminToken,
    admin,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
