import type { Logger } from '../core/ports.js';
import { CheckTimeoutError, HwcError } from '../core/errors.js';
import { safeError } from '../core/safe-error.js';
import type { CheckDeps, CheckReport } from './context.js';
import { runCheck } from './run-check.js';

/**
 * Runs one check under a watchdog: past `timeoutMs` the mailbox connection is aborted and the
 * check fails. Logs the outcome and never lets a raw error escape: a failure is returned.
 */
export async function guardedCheck(
  deps: CheckDeps,
  options: { dryRun: boolean; timeoutMs: number },
): Promise<CheckReport | HwcError | Error> {
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      deps.opener.abort?.();
      reject(new CheckTimeoutError('CHECK_TIMEOUT', 'the check ran past checkTimeout'));
    }, options.timeoutMs);
  });
  try {
    return await Promise.race([runCheck(deps, { dryRun: options.dryRun }), watchdog]);
  } catch (err) {
    logFailure(deps.logger, err);
    return err instanceof Error ? err : new Error('unknown failure');
  } finally {
    clearTimeout(timer);
  }
}

function logFailure(logger: Logger, err: unknown): void {
  const safe = safeError(err);
  logger.error(
    { step: 'check', outcome: 'failed', err },
    safe.message ?? `check failed (${safe.code ?? safe.name})`,
  );
}
