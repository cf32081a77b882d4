import { safeError } from '../core/safe-error.js';

/**
 * The safe code of a failure, as its audit row, the log, the JSON result and the monitoring ping
 * carry it: the error's code or kind, never its message.
 */
export function failureCode(err: unknown): string {
  const safe = safeError(err);
  return safe.code ?? safe.name;
}
