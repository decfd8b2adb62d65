import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { errorHandler } from './error-handler.js';
import { requestIds } from './request-id.js';

let close: (() => void) | undefined;
afterEach(() => close?.());

async function serve(app: express.Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  close = () => server.close();
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('errorHandler', () => {
  it('answers an unexpected failure with INTERNAL_ERROR and the request id that names its log line, logged server-side only', async () => {
    const logs: string[] = [];
    const logger = createLogger('info', new Writable({ write: (chunk: Buffer, _encoding, done) => (logs.push(chunk.toString()), done()) }));
    const app = express();
    app.use(requestIds((_requestId, handle) => handle()));
    app.get('/boom', () => {
      throw new Error(`failed reading ${import.meta.dirname}`);
    });
    app.use(errorHandler(logger));

    const response = await fetch(`${await serve(app)}/boom`);
    expect(response.status).toBe(500);
    const body = await response.text();
    const requestId = response.headers.get('x-request-id');
    expect(JSON.parse(body)).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'INTERNAL_ERROR', requestId } }] });
    expect(body).not.toContain(import.meta.dirname);
    expect(logs.join('')).toContain(import.meta.dirname);
    expect(JSON.parse(logs[0]!)).toMatchObject({
      level: 50,
      msg: 'unexpected error while handling an HTTP request',
      method: 'GET',
      path: '/boom',
      requestId,
    });
  });
});
