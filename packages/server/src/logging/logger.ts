import { pino, type Logger } from 'pino';
import { serializeError } from './error-serializer.js';

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

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'backup-applications-manager' },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      serializers: { err: serializeError },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
