// Structured logs with pino. Credentials never reach a log line: the
// Authorization header, proof-of-work solutions and the generated management
// key are redacted wherever they appear.
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

export function createLogger(level: Config['logLevel']): Logger {
  return pino({
    level,
    base: { service: 'latchkey' },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-challenge-solution"]',
        'req.headers["x-inkeep-challenge-solution"]',
        'req.headers.cookie',
      ],
      censor: '[redacted]',
    },
  });
}
