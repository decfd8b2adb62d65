import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Request, RequestHandler, Response } from 'express';

/** The web build's renderer of the console's first view, relative to the web dist folder (`vite build --ssr`). */
export const CONSOLE_RENDERER_FILE = 'ssr/entry-server.mjs';

/** One GraphQL operation, as the console sends it. */
export interface ConsoleOperation {
  operationName: string;
  query: string;
  variables: Record<string, unknown>;
}

/** What the renderer module exports (packages/web/src/entry-server.ts). */
interface ConsoleRenderer {
  FIRST_VIEW_STATE_ID: string;
  firstViewRequests: readonly ConsoleOperation[];
  renderFirstView(answers: Record<string, unknown>): Promise<{ html: string; state: unknown } | undefined>;
}

export interface ServerRenderedConsoleOptions {
  webDistDir: string;
  /**
   * Runs the operations in-process as the GraphQL API would answer them for this request (its caller,
   * a request context each). Null when nobody is signed in.
   */
  runAsCaller(
    request: Request,
    response: Response,
    operations: readonly ConsoleOperation[],
  ): Promise<{ data?: unknown; errors?: readonly unknown[] }[] | null>;
  logger: { warn(details: object, message: string): void };
}

const APP_CONTAINER = '<div id="app"></div>';
const MODULE_PRELOADS = /<link rel="modulepreload"[^>]*>\s*/g;

/**
 * `GET /` for a signed-in user: the console's page with its first view (the Organizations view)
 * already rendered, so the organizations show before any script has run, plus the Apollo cache it
 * was rendered from in a JSON block, from which the console hydrates without asking again. Anything
 * else — signed out, a password to change, no renderer in the build, any failure (logged) — passes
 * to the static page.
 */
export function serverRenderedConsole({ webDistDir, runAsCaller, logger }: ServerRenderedConsoleOptions): RequestHandler {
  const rendererFile = path.join(webDistDir, CONSOLE_RENDERER_FILE);
  // Loaded once, at start: the first page does not wait for it. Missing (a build without it): no rendering.
  const loadedRenderer: Promise<ConsoleRenderer | undefined> = fs.access(rendererFile).then(
    () =>
      (import(pathToFileURL(rendererFile).href) as Promise<ConsoleRenderer>).catch((error: unknown) => {
        logger.warn({ err: error, file: rendererFile }, 'could not load the console renderer; serving the static page');
        return undefined;
      }),
    () => undefined,
  );

  return async (request, response, next) => {
    try {
      const page = await renderPage(request, response);
      if (!page) return next();
      // Per user and per moment: never stored, by the browser or anything between.
      response.setHeader('Cache-Control', 'no-store');
      response.vary('Cookie');
      response.type('html').send(page);
    } catch (error) {
      logger.warn({ err: error }, 'could not render the console on the server; serving the static page');
      next();
    }
  };

  async function renderPage(request: Request, response: Response): Promise<string | undefined> {
    const renderer = await loadedRenderer;
    if (!renderer) return undefined;
    const results = await runAsCaller(request, response, renderer.firstViewRequests);
    if (!results) return undefined;
    const answers: Record<string, unknown> = {};
    for (const [index, result] of results.entries()) {
      if (result.errors?.length) return undefined;
      answers[renderer.firstViewRequests[index]!.operationName] = result.data;
    }
    const view = await renderer.renderFirstView(answers);
    if (!view) return undefined;

    const template = await fs.readFile(path.join(webDistDir, 'index.html'), 'utf8');
    if (!template.includes(APP_CONTAINER)) throw new Error(`index.html has no ${APP_CONTAINER}`);
    // A non-executed data block (the Content-Security-Policy allows no inline script anyway).
    const stateBlock = `<script type="application/json" id="${renderer.FIRST_VIEW_STATE_ID}">${jsonForHtml(view.state)}</script>`;
    return (
      template
        // The page shows the view without the console's code, which `main.ts` fetches once it has been
        // painted: preloaded, its download and compilation (~370 kB) would compete with that first paint.
        .replace(MODULE_PRELOADS, '')
        .replace(APP_CONTAINER, () => `<div id="app">${view.html}</div>${stateBlock}`)
    );
  }
}

/**
 * JSON that cannot end the `<script>` element it is written into, nor open a comment in it: names
 * are user input (`</script><script>…`). `<`, `>` and `&` are written as `\u` escapes, which
 * `JSON.parse` reads back as the same characters; so are U+2028/U+2029.
 */
export function jsonForHtml(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
