import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Request, RequestHandler, Response } from 'express';
import { allowInlineStyles } from './security-headers.js';

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

export interface ServerRenderedConsoleOptions<Caller> {
  webDistDir: string;
  /** The request's caller as the GraphQL API authenticates it; null when the first view is not the Organizations view (signed out, a password to change). */
  signedInCaller(request: Request, response: Response): Promise<Caller | null>;
  /** Runs the operations in-process as the GraphQL API would answer them for this caller (a request context each). */
  run(caller: Caller, response: Response, operations: readonly ConsoleOperation[]): Promise<{ data?: unknown; errors?: readonly unknown[] }[]>;
  logger: { warn(details: object, message: string): void };
}

const APP_CONTAINER = '<div id="app"></div>';
const MODULE_PRELOADS = /<link rel="modulepreload"[^>]*>\s*/g;
const STYLESHEET_LINKS = /<link rel="stylesheet"[^>]*href="\/(assets\/[^"]+\.css)"[^>]*>/g;

/**
 * `GET /` for a signed-in user: the console's page with its first view (the Organizations view)
 * already rendered, so the organizations show before any script has run, plus the Apollo cache it
 * was rendered from in a JSON block, from which the console hydrates without asking again.
 * Signed out, a password to change or no renderer in the build: the static page. The page's head
 * (with the styles inline) leaves at once, so the browser fetches the entry while the view renders; should
 * the rendering fail after that (logged), the page ends with an empty `#app`, which the console
 * fills as it does on the static page.
 */
export function serverRenderedConsole<Caller>({ webDistDir, signedInCaller, run, logger }: ServerRenderedConsoleOptions<Caller>): RequestHandler {
  // Loaded once, at start: the first page does not wait for it. Missing (a build without it): no rendering.
  const loaded = loadConsole(webDistDir, logger);

  return async (request, response, next) => {
    let start: (LoadedConsole & { caller: Caller }) | undefined;
    try {
      start = await prepare(request, response);
    } catch (error) {
      logger.warn({ err: error }, 'could not render the console on the server; serving the static page');
    }
    if (!start) return next();
    const { renderer, caller, head, tail, styleHashes } = start;

    // Per user and per moment: never stored, by the browser or anything between.
    response.setHeader('Cache-Control', 'no-store');
    response.vary('Cookie');
    response.type('html');
    allowInlineStyles(response, styleHashes);
    response.write(head);
    let app = APP_CONTAINER;
    try {
      const view = await renderView(renderer, caller, response);
      // A non-executed data block (the Content-Security-Policy allows no inline script anyway).
      if (view)
        app = `<div id="app">${view.html}</div><script type="application/json" id="${renderer.FIRST_VIEW_STATE_ID}">${jsonForHtml(view.state)}</script>`;
    } catch (error) {
      logger.warn({ err: error }, 'could not render the console on the server; the console renders it in the browser');
    }
    response.end(app + tail);
  };

  async function prepare(request: Request, response: Response) {
    const page = await loaded;
    if (!page) return undefined;
    const caller = await signedInCaller(request, response);
    return caller ? { ...page, caller } : undefined;
  }

  async function renderView(renderer: ConsoleRenderer, caller: Caller, response: Response) {
    const results = await run(caller, response, renderer.firstViewRequests);
    const answers: Record<string, unknown> = {};
    for (const [index, result] of results.entries()) {
      if (result.errors?.length) return undefined;
      answers[renderer.firstViewRequests[index]!.operationName] = result.data;
    }
    return renderer.renderFirstView(answers);
  }
}

/** The renderer, and the page around `#app` as the build wrote it. */
interface LoadedConsole {
  renderer: ConsoleRenderer;
  /**
   * Up to `#app`, without the `modulepreload` links: the page shows the view without the console's code,
   * which `main.ts` fetches once it has been painted; preloaded, its download and compilation (~370 kB)
   * would compete with that first paint.
   */
  head: string;
  tail: string;
  /** The CSP sources (`sha256-…`) of the stylesheets `head` carries inline. */
  styleHashes: string[];
}

async function loadConsole(webDistDir: string, logger: ServerRenderedConsoleOptions<unknown>['logger']): Promise<LoadedConsole | undefined> {
  const rendererFile = path.join(webDistDir, CONSOLE_RENDERER_FILE);
  try {
    await fs.access(rendererFile);
  } catch {
    return undefined;
  }
  try {
    const [renderer, template] = await Promise.all([
      import(pathToFileURL(rendererFile).href) as Promise<ConsoleRenderer>,
      fs.readFile(path.join(webDistDir, 'index.html'), 'utf8'),
    ]);
    const at = template.indexOf(APP_CONTAINER);
    if (at < 0) throw new Error(`index.html has no ${APP_CONTAINER}`);
    const { head, styleHashes } = await withInlineStylesheets(webDistDir, template.slice(0, at).replace(MODULE_PRELOADS, ''));
    return { renderer, head, styleHashes, tail: template.slice(at + APP_CONTAINER.length) };
  } catch (error) {
    logger.warn({ err: error, file: rendererFile }, 'could not load the console renderer; serving the static page');
    return undefined;
  }
}

/**
 * The head with its stylesheets written into it: the view can be painted as soon as its markup has
 * arrived, with no request for the stylesheet that blocks rendering: requested with the head, it
 * waited for the server's one thread to render the view, and arrived 55–90 ms after the page itself.
 * The policy allows these styles by their hash. The stylesheets are the build's own, never user input.
 */
async function withInlineStylesheets(webDistDir: string, head: string): Promise<{ head: string; styleHashes: string[] }> {
  const styleHashes: string[] = [];
  const styles = new Map<string, string>();
  for (const [link, file] of head.matchAll(STYLESHEET_LINKS)) {
    const css = await fs.readFile(path.join(webDistDir, file!), 'utf8');
    styles.set(link, `<style>${css}</style>`);
    styleHashes.push(`sha256-${createHash('sha256').update(css).digest('base64')}`);
  }
  return { head: head.replace(STYLESHEET_LINKS, (link) => styles.get(link) ?? link), styleHashes };
}

/**
 * JSON that cannot end the `<script>` element it is written into, nor open a comment in it: names
 * are user input (`</script><script>…`). `<`, `>` and `&` are written as `\u` escapes, which
 * `JSON.parse` reads back as the same characters; so are U+2028/U+2029.
 */
export function jsonForHtml(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
