import fs from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler, type Router } from 'express';
import { precompressedAssets } from './precompressed-assets.js';

const notBuiltPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Backup Applications Manager</title></head>
<body><h1>Backup Applications Manager</h1><p>The web console has not been built. Run <code>pnpm build</code>, then restart the server.
The GraphQL API is at <a href="/graphql">/graphql</a>.</p></body></html>`;

/** The folder of the web build that holds the server's renderer of the console (see `server-rendered-console.ts`): never served. */
const SERVER_ONLY_DIR = '/ssr';

/**
 * Serves the built console at `/` (any other unknown page path without a file extension falls back
 * to it, for client-side routes) and the offline GraphQL playground at `/playground`. `renderConsole`,
 * when given, answers `GET /` first (the first view rendered on the server), or passes to the static page.
 */
export function webConsoleRouter(webDistDir: string, renderConsole?: RequestHandler): Router {
  const router = express.Router();
  const indexFile = path.join(webDistDir, 'index.html');
  const playgroundFile = path.join(webDistDir, 'playground.html');

  // The server-side renderer is code of the server: browsers get a 404, as for any missing file.
  router.use(SERVER_ONLY_DIR, (_request, response) => void response.sendStatus(404));
  router.use(precompressedAssets(webDistDir));
  router.use(express.static(webDistDir, { index: false, maxAge: '1h', setHeaders: noCacheForHtml }));
  router.get('/playground', (_request, response) => sendPage(response, playgroundFile));
  if (renderConsole) router.get('/', (request, response, next) => (request.accepts('html') ? renderConsole(request, response, next) : next()));
  router.get('/{*path}', (request, response, next) => {
    // Client-side routes have no file extension: a missing file (a favicon, a chunk of an older build) is a 404, not the page.
    if (path.extname(request.path) !== '' || !request.accepts('html')) return next();
    sendPage(response, indexFile);
  });
  return router;
}

function sendPage(response: express.Response, file: string): void {
  if (!fs.existsSync(file)) {
    response.status(503).type('html').send(notBuiltPage);
    return;
  }
  response.setHeader('Cache-Control', 'no-cache');
  response.sendFile(file);
}

/** The HTML pages that name the hashed assets must always be revalidated. */
function noCacheForHtml(response: express.Response, file: string): void {
  if (file.endsWith('.html')) response.setHeader('Cache-Control', 'no-cache');
}
