import type { Logger, Mailer } from '../core/ports.js';
import { failedCheckEntry } from '../core/audit-entry.js';
import { CheckTimeoutError, HwcError } from '../core/errors.js';
import { safeError } from '../core/safe-error.js';
import type { CheckDeps, CheckReport } from './context.js';
import { failureCode } from './failure-code.js';
import { runCheck, type AuditMark } from './run-check.js';

/**
 * How long a send already in flight at checkTimeout may still take to get its answer. The mail
 * may be in the server's queue already, waiting only for the reply to its data: recorded, the
 * next check does not send it again. Past this the connection is closed, and the next check
 * sends it again (at most once more, as after a crash).
 */
export const IN_FLIGHT_SEND_SETTLE_MS = 30_000;

/** After the connection was closed, the check needs only to notice; it is not waited for longer. */
const AFTER_ABORT_MS = 1_000;

/** How long past checkTimeout a check may still hold its lock: the wait for a send, then the close. */
export const TIMEOUT_OVERRUN_MS = IN_FLIGHT_SEND_SETTLE_MS + AFTER_ABORT_MS;

/**
 * Runs one check under a watchdog: past `timeoutMs` the mailbox connection is aborted, no new mail
 * is sent, and the check fails. A send already in flight then is waited for (up to `settleMs`), so
 * that a notification the server accepted is recorded and not sent again, and none is believed
 * sent that was not; after that the SMTP connection is closed, so nothing completes behind the
 * check's back. Logs the outcome and never lets a raw error escape: a failure is returned. Every
 * check that is not a dry run leaves one audit row, also one that failed before the mailbox opened
 * or ran out of time, so that the report counts a morning of refused logins as failed checks.
 */
export async function guardedCheck(
  deps: CheckDeps,
  options: { dryRun: boolean; timeoutMs: number; settleMs?: number },
): Promise<CheckReport | HwcError | Error> {
  const startedAt = deps.clock.now();
  const audited: AuditMark = { written: false };
  const gate = sendGate(deps.mailer);
  const check = runCheck({ ...deps, mailer: gate.mailer }, { dryRun: options.dryRun, audited });
  const settled = check.then(
    () => undefined,
    () => undefined,
  );
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
  });
  try {
    const first = await Promise.race([check, watchdog]);
    if (first !== 'timeout') return first;
    // This check's row says it timed out, whatever the check still does while it is waited for.
    const claimed = !audited.written;
    audited.written = true;
    gate.shut();
    deps.opener.abort?.();
    await settleInFlight(deps, gate, settled, options.settleMs ?? IN_FLIGHT_SEND_SETTLE_MS);
    const err = new CheckTimeoutError('CHECK_TIMEOUT', 'the check ran past checkTimeout');
    logFailure(deps.logger, err);
    if (!options.dryRun && claimed) auditFailure(deps, startedAt, err, audited);
    return err;
  } catch (err) {
    logFailure(deps.logger, err);
    if (!options.dryRun && !audited.written) auditFailure(deps, startedAt, err, audited);
    return err instanceof Error ? err : new Error('unknown failure');
  } finally {
    clearTimeout(timer);
  }
}

/**
 * At the timeout: waits for the sends in flight to get their answers and be recorded, then for
 * the check to notice it is over; if the server does not answer in time, closes the connection.
 */
async function settleInFlight(
  deps: CheckDeps,
  gate: SendGate,
  settled: Promise<void>,
  settleMs: number,
): Promise<void> {
  if (gate.inFlight() === 0) return;
  deps.logger.warn(
    { step: 'send', outcome: 'waiting', count: gate.inFlight() },
    'checkTimeout reached while SMTP was sending; waiting for the answer, so that it is recorded',
  );
  if (await within(settled, settleMs)) return;
  // The sends got their answers, and the check hangs elsewhere (the IMAP it was told to drop):
  // nothing is in flight to close, and saying so would promise a resend that will not come.
  if (gate.inFlight() === 0) return;
  deps.logger.warn(
    { step: 'send', outcome: 'aborted', count: gate.inFlight() },
    'SMTP did not answer in time; the connection is closed and the next check sends it again',
  );
  if (deps.mailer.abort) deps.mailer.abort();
  else deps.mailer.close();
  await within(settled, AFTER_ABORT_MS);
}

/** Resolves true when `work` settled within `ms`, false otherwise. */
async function within(work: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

interface SendGate {
  mailer: Mailer;
  /** From now on every send fails at once with CHECK_TIMEOUT; sends in flight go on. */
  shut(): void;
  inFlight(): number;
}

/** The check's mailer, counting the sends in flight and refusing new ones once the check timed out. */
function sendGate(mailer: Mailer): SendGate {
  let open = true;
  let inFlight = 0;
  return {
    mailer: {
      async send(mail) {
        if (!open)
          throw new CheckTimeoutError(
            'CHECK_TIMEOUT',
            `the check ran past checkTimeout; the ${mail.kind} was not sent`,
          );
        inFlight += 1;
        try {
          return await mailer.send(mail);
        } finally {
          inFlight -= 1;
        }
      },
      ...(mailer.verify ? { verify: () => mailer.verify?.() ?? Promise.resolve() } : {}),
      close: () => mailer.close(),
      ...(mailer.abort ? { abort: () => mailer.abort?.() } : {}),
    },
    shut: () => {
      open = false;
    },
    inFlight: () => inFlight,
  };
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
