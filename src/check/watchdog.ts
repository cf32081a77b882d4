import type { Logger } from '../core/ports.js';
import { failedCheckEntry } from '../core/audit-entry.js';
import { CheckTimeoutError, HwcError } from '../core/errors.js';
import { safeError } from '../core/safe-error.js';
import type { CheckDeps, CheckReport } from './context.js';
import { failureCode, runCheck, type AuditMark } from './run-check.js';

/**
 * Runs one check under a watchdog: past `timeoutMs` the mailbox connection is aborted and the
 * check fails. Logs the outcome and never lets a raw error escape: a failure is returned. Every
 * check that is not a dry run leaves one audit row, also one that failed before the mailbox opened
 * or ran out of time, so that the report counts a morning of refused logins as failed checks.
 */
export async function guardedCheck(
  deps: CheckDeps,
  options: { dryRun: boolean; timeoutMs: number },
): Promise<CheckReport | HwcError | Error> {
  const startedAt = deps.clock.now();
  const audited: AuditMark = { written: false };
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      deps.opener.abort?.();
      reject(new CheckTimeoutError('CHECK_TIMEOUT', 'the check ran past checkTimeout'));
    }, options.timeoutMs);
  });
  try {
    return await Promise.race([runCheck(deps, { dryRun: options.dryRun, audited }), watchdog]);
  } catch (err) {
    logFailure(deps.logger, err);
    if (!options.dryRun && !audited.written) auditFailure(deps, startedAt, err, audited);
    return err instanceof Error ? err : new Error('unknown failure');
  } finally {
    clearTimeout(timer);
  }
}

/** The failed check's row; when the storage cannot take it (disk full), the log line is the trace. */
function auditFailure(deps: CheckDeps, startedAt: Date, err: unknown, audited: AuditMark): void {
  audited.written = true;
  const durationMs = deps.clock.now().getTime() - startedAt.getTime();
  try {
    const row = deps.store.append(failedCheckEntry(startedAt, durationMs, failureCode(err)));
    deps.logger.info(
      { step: 'audit', outcome: 'failed', durationMs, head: row.hash, rows: row.id },
      'check finished',
    );
  } catch (writeErr) {
    deps.logger.error(
      { step: 'audit', outcome: 'failed', err: writeErr },
      'the failed check could not be written to the audit log',
    );
  }
}

function logFailure(logger: Logger, err: unknown): void {
  const safe = safeError(err);
  logger.error(
    { step: 'check', outcome: 'failed', err },
    safe.message ?? `check failed (${safe.code ?? safe.name})`,
  );
}
