import type { IncomingMessage, ServerResponse } from 'node:http';

/** One request as the handlers see it: the parsed URL, the path parameters and the raw body. */
export interface EmulatorRequest {
  method: string;
  url: URL;
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
  remoteAddress: string | undefined;
  body: Buffer;
}

export interface EmulatorResponse {
  status: number;
  headers?: Record<string, string>;
  /** Serialised as JSON; `undefined` sends no body (204). */
  json?: unknown;
}

export type Handler = (request: EmulatorRequest) => EmulatorResponse | Promise<EmulatorResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

/** Larger bodies are refused: the emulator never needs more than a few certificates per request. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * A small method + path router. Patterns are literal paths with `:name` parameters, also inside OData keys
 * such as `/applications(appId=':appId')`. Paths are matched percent-decoded: clients may send `'` as `%27`.
 */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: Handler): this {
    const names: string[] = [];
    const source = path
      .split('/')
      .map((segment) =>
        segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:([A-Za-z]+)/g, (_match, name: string) => {
          names.push(name);
          return "([^/']+)";
        }),
      )
      .join('/');
    this.routes.push({ method, pattern: new RegExp(`^${source}$`, 'i'), names, handler });
    return this;
  }

  /** Finds the handler for a request, or `undefined`: the caller answers 404 in its own error shape. */
  match(method: string, pathname: string): { handler: Handler; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const found = route.pattern.exec(safeDecode(pathname));
      if (!found) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, index) => (params[name] = found[index + 1] ?? ''));
      return { handler: route.handler, params };
    }
    return undefined;
  }
}

/** Percent-decoded, or as given when it is not valid percent-encoding. */
export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error('Request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

export function send(response: ServerResponse, result: EmulatorResponse): void {
  const headers: Record<string, string> = { 'cache-control': 'no-store', ...result.headers };
  if (result.json === undefined) {
    response.writeHead(result.status, headers).end();
    return;
  }
  response.writeHead(result.status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(result.json));
}

/** Parses a JSON body into an object, or returns `undefined` when it is not a JSON object. */
export function jsonBody(request: EmulatorRequest): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(request.body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
