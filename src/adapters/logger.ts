import { pino, type Logger, type DestinationStream } from 'pino';
import { HwcError } from '../core/errors.js';
import { LOG_FIELDS } from '../core/log-fields.js';

/**
 * Structured JSON logs on stdout, with an allowlist: a field that is not listed in LOG_FIELDS is
 * dropped, so that no code path can log a subject, an address or a body by accident.
 */
const ALLOWED_FIELDS: ReadonlySet<string> = new Set(LOG_FIELDS);

export interface SafeError {
  name: string;
  code?: string;
  responseCode?: number;
  message?: string;
}

/**
 * Errors are reduced to their kind and code. Only our own errors keep their message, because
 * only those are known to be fixed phrases; a library's message can quote a server reply,
 * and a server reply can quote an address.
 */
export function safeError(err: unknown): SafeError {
  if (!(err instanceof Error)) return { name: typeof err };
  const out: SafeError = { name: err.name };
  const withCode = err as Error & { code?: unknown; responseCode?: unknown; authenticationFailed?: unknown };
  if (typeof withCode.code === 'string') out.code = withCode.code;
  if (typeof withCode.responseCode === 'number') out.responseCode = withCode.responseCode;
  if (withCode.authenticationFailed === true) out.code = out.code ?? 'AUTHENTICATIONFAILED';
  if (err instanceof HwcError) out.message = err.message;
  return out;
}

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
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

export type { Logger };
