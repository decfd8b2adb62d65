import { pino, type Logger } from 'pino';
import { serializeError } from './error-serializer.js';
import { currentLogContext } from './log-context.js';

export type { Logger };

/**
 * Field paths that may carry secrets. Redaction is a safety net: code never puts a private key
 * or a PFX password into a log call in the first place.
 */
const redactedPaths = [
  'password',
  '*.password',
  'pfxPassword',
  '*.pfxPassword',
  'variables.*.password',
  'variables.*.pfxPassword',
  'privateKey',
  '*.privateKey',
  'masterKey',
  '*.masterKey',
  'req.headers.authorization',
  'req.headers.cookie',
];

/**
 * Standard output, written synchronously: pino's default writes asynchronously, and a `process.exit` while a write
 * is on its way flushes the rest at once, overtaking that write or cutting it — a stop's last lines (what was cut,
 * "server stopped") came out of order or went missing. The server writes a few lines per operation.
 */
const standardOutput = () => pino.destination({ dest: 1, sync: true });

export function createLogger(level: string, destination: pino.DestinationStream = standardOutput()): Logger {
  return pino(
    {
      level,
      base: { service: 'backup-applications-manager' },
      // The id of the HTTP request or WebSocket operation being handled, on every line written meanwhile (see log-context.ts).
      // A copy: pino merges each line's fields into the object the mixin returns.
      mixin: () => ({ ...currentLogContext() }),
      redact: { paths: redactedPaths, censor: '[redacted]' },
      serializers: { err: serializeError },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
