import http from 'node:http';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InFlightWork } from './common/in-flight-work.js';
import { Draining } from './http/draining.js';
import { createLogger } from './logging/logger.js';
import { gracefulShutdown } from './server-shutdown.js';

/** A logger whose lines land in `lines`. */
function capturedLogger() {
  const lines: { level: number; msg: string; background?: string[] }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').trim().split('\n')) lines.push(JSON.parse(line) as (typeof lines)[number]);
      done();
    },
  });
  return { logger: createLogger('info', sink), lines };
}

describe('gracefulShutdown', () => {
  it('names the work it cut and closes the database even when closing the connections fails afterwards', async () => {
    const { logger, lines } = capturedLogger();
    const inFlight = new InFlightWork();
    let databaseClosed = false;
    const stop = gracefulShutdown({
      // A service that does not stop within the timeout.
      app: {
        stopServices: async () => false,
        servicesStopping: () => ['webhooks'],
        close: async () => {
          databaseClosed = true;
        },
      },
      httpServer: http.createServer(),
      webSockets: {
        dispose: () => Promise.reject(new Error('socket close failed')),
      },
      apollo: { stop: async () => undefined },
      inFlight,
      draining: new Draining(inFlight),
      logger,
      timeoutMs: 50,
    });

    await expect(stop()).rejects.toThrow('socket close failed');

    expect(databaseClosed).toBe(true);
    const cut = lines.find((line) => line.msg === 'shutdown timeout reached: work cut');
    expect(cut).toMatchObject({ background: ['webhooks'] });
  });
});
