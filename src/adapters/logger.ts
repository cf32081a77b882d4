import { pino, type Logger, type DestinationStream } from 'pino';
import { safeError } from '../core/safe-error.js';
import { LOG_FIELDS } from '../core/log-fields.js';
import { logStream } from './journal-stream.js';

/**
 * Structured JSON logs on stdout, with an allowlist: a field that is not listed in LOG_FIELDS is
 * dropped, so that no code path can log a subject, an address or a body by accident. Under
 * systemd each line carries its journald priority (journal-stream.ts).
 */
const ALLOWED_FIELDS: ReadonlySet<string> = new Set(LOG_FIELDS);

export { safeError, type SafeError } from '../core/safe-error.js';

export function createLogger(destination?: DestinationStream, level = 'info'): Logger {
  return pino(
    {
      level,
      base: undefined,
      messageKey: 'msg',
      formatters: {
        log(object) {
          const kept: Record<string, unknown> = {};
          for (const [name, value] of Object.entries(object)) {
            if (!ALLOWED_FIELDS.has(name)) continue;
            kept[name] = name === 'err' ? safeError(value) : value;
          }
          return kept;
        },
      },
    },
    destination ?? logStream(1),
  );
}

export type { Logger };
