import { ErrorCode, errorMessages } from '@bam/shared';
import type { RequestHandler } from 'express';
import type { InFlightEntry, InFlightWork } from '../common/in-flight-work.js';

/**
 * Between SIGTERM and the end of the shutdown: the server still listens, so that what a load balancer
 * sends before it notices (`/healthz` answers `draining`) gets a coded 503 it can retry elsewhere
 * rather than a refused connection, and finishes the requests that came before.
 */
export class Draining {
  private draining = false;

  constructor(private readonly inFlight: InFlightWork) {}

  get active(): boolean {
    return this.draining;
  }

  start(): void {
    this.draining = true;
  }

  /**
   * Refuses new requests while draining (503 SERVER_SHUTTING_DOWN, closing the connection); otherwise
   * tracks each request as in-flight until its response ends (`response.locals.inFlight`).
   */
  requests(): RequestHandler {
    return (request, response, next) => {
      if (this.draining) {
        const code = ErrorCode.SERVER_SHUTTING_DOWN;
        response
          .set('connection', 'close')
          .status(503)
          .json({ errors: [{ message: errorMessages[code], extensions: { code } }] });
        return;
      }
      const entry: InFlightEntry = this.inFlight.begin(`${request.method} ${request.path}`);
      response.locals.inFlight = entry;
      response.once('close', () => entry.end());
      next();
    };
  }
}
