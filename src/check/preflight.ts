import { HwcError, MailerError, StateError } from '../core/errors.js';
import { localDate } from '../core/schedule.js';
import type { CheckDeps } from './context.js';

/**
 * What must hold before a check may send anything. First, the state can be written: a check that
 * sent a notification and then could not record it would send it again at every later check (a
 * full disk did: three notifications after three checks). A write in a transaction needs room for
 * its rollback journal as well as the page, so this one fails exactly when the disk is full or
 * read-only; the later writes then fail at most in the one check in which the disk filled up,
 * and that check sends at most once more.
 */
export function ensureStateWritable(deps: CheckDeps, now: Date): void {
  try {
    deps.store.transaction(() => deps.store.setMeta('check_started_at', now.toISOString()));
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    deps.logger.error(
      { step: 'preflight', outcome: 'failed', code: typeof code === 'string' ? code : 'unknown' },
      'the state database cannot be written; nothing was sent. Free space in the storage directory or make it writable',
    );
    throw new StateError(
      'STATE_UNWRITABLE',
      'the state database cannot be written (disk full or read-only?); nothing was sent',
    );
  }
}

/**
 * The local day whose SMTP sign-in is still to be verified (see verifySmtpOncePerDay), or none.
 * Asked before the mailbox opens: where no time zone spans are kept (core/zone-offsets.ts), the
 * first date formatter of a process costs about 20 ms, then paid while the IMAP server answers.
 */
export function smtpVerificationDue(deps: CheckDeps, now: Date): string | undefined {
  if (!deps.mailer.verify) return undefined;
  const today = localDate(now, deps.settings.timezone);
  return deps.store.getMeta('smtp_verified_on') === today ? undefined : today;
}

/**
 * A wrong SMTP password would otherwise pass every check until the morning a signal needs it.
 * The first check of each day signs in to SMTP without sending, once the mailbox is open (so that
 * an IMAP failure is still reported as such); when that fails the check fails,
 * so that hwc check exits 1 (systemd's OnFailure= acts) and the dead-man alarm is due at the
 * deadline. The contacts cannot be mailed, so the log line says what a person must do.
 */
export async function verifySmtpOncePerDay(deps: CheckDeps, today: string | undefined): Promise<void> {
  if (today === undefined || !deps.mailer.verify) return;
  try {
    await deps.mailer.verify();
  } catch (err) {
    const code = err instanceof HwcError ? err.code : 'SMTP_ERROR';
    const said = err instanceof HwcError ? `: ${err.message}` : ` (${code})`;
    deps.logger.error(
      { step: 'smtp-verify', outcome: 'failed', code },
      'SMTP sign-in failed: no contact can be told of a signal. Fix smtp.auth (hwc doctor shows the SMTP login), and until then someone must look at the HwC mailbox by hand',
    );
    throw new MailerError(
      'SMTP_VERIFY_FAILED',
      `the daily SMTP sign-in failed${said}; no contact can be told of a signal until SMTP works`,
    );
  }
  deps.store.setMeta('smtp_verified_on', today);
  deps.logger.info({ step: 'smtp-verify', outcome: 'ok' }, 'SMTP sign-in verified for today');
}
