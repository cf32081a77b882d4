import type { Logger, Mailbox } from '../core/ports.js';
import { domainOf } from '../core/compose.js';
import { checkEntry, emptyCounts, type CheckCounts } from '../core/audit-entry.js';
import { MailerError, PurgeError, StateError } from '../core/errors.js';
import { PROVIDER_RETENTION } from '../core/provider-retention.js';
import {
  identityOf,
  type CheckContext,
  type CheckDeps,
  type CheckReport,
  type ReadMessage,
} from './context.js';
import { readMessages, skippedMessages, triageInbox } from './read-inbox.js';
import { settleRepliesAndBounces } from './confirmations.js';
import { advanceSignals, type SignalsOutcome } from './signal-steps.js';
import { finishOrphans, forgetFinished } from './orphans.js';
import { alertSetAside, type SetAsideBatch } from './set-aside-alert.js';
import { alertSecureNotices } from './secure-notice-alert.js';
import { planOnly } from './dry-run.js';
import { recordedMailer } from './recorded-mailer.js';
import { failureCode } from './failure-code.js';
import { ensureStateWritable, smtpVerificationDue, verifySmtpOncePerDay } from './preflight.js';

/**
 * One morning check: read → decide → act → purge → audit. Nothing from a mail leaves memory,
 * except in the notification to a contact; the purge comes only after SMTP accepted that.
 */
export async function runCheck(
  given: CheckDeps,
  options: { dryRun: boolean; audited?: AuditMark },
): Promise<CheckReport> {
  const deps: CheckDeps = { ...given, mailer: recordedMailer(given.mailer, given.logger) };
  const { logger, clock } = deps;
  const startedAt = clock.now();
  const counts = emptyCounts();
  const step = (name: string): void => deps.onStep?.(name);
  let plan: string[] = [];
  let nextDueAt: Date | undefined;
  let failure: unknown;

  if (!options.dryRun) ensureStateWritable(deps, startedAt);
  const smtpDay = options.dryRun ? undefined : smtpVerificationDue(deps, startedAt);
  const mailbox = await deps.opener.open({ readOnly: options.dryRun });
  const folders = Object.values(mailbox.folders).filter((f): f is string => typeof f === 'string');
  announce(logger, mailbox, folders);
  try {
    await verifySmtpOncePerDay(deps, smtpDay);
    const triaged = await triageInbox(deps, mailbox);
    const urgent = [
      ...(await readMessages(deps, mailbox, triaged.read.slice(0, triaged.urgent), clock.now())),
      ...skippedMessages(triaged),
    ];
    const readRest = () => readMessages(deps, mailbox, triaged.read.slice(triaged.urgent), clock.now());
    counts.messages = urgent.length;
    step('after-fetch');
    if (options.dryRun) {
      const all = [...urgent, ...(await readRest())];
      counts.messages = all.length;
      plan = planOnly(deps, all, counts, mailbox);
    } else nextDueAt = await act(contextOf(deps, mailbox, counts, step), urgent, readRest);
  } catch (err) {
    failure = err;
  } finally {
    await mailbox.close();
  }

  const outcome = failure ? 'failed' : 'ok';
  const durationMs = clock.now().getTime() - startedAt.getTime();
  if (options.dryRun) {
    logger.info({ step: 'dry-run', outcome, counts, durationMs }, 'dry run finished; nothing was changed');
  } else {
    step('before-audit');
    try {
      audit(
        deps,
        { startedAt, counts, outcome, durationMs, provider: mailbox.provider, failure },
        options.audited,
      );
    } catch (err) {
      // The log is then the only trace of this check (the disk may be full): say so, and fail.
      logger.error(
        { step: 'audit', outcome: 'failed', err },
        'the audit row of this check could not be written',
      );
      failure ??= new StateError('STATE_UNWRITABLE', 'the audit row of this check could not be written');
    }
  }
  if (failure) throw failure;
  return { dryRun: options.dryRun, outcome, counts, plan, folders, ...(nextDueAt ? { nextDueAt } : {}) };
}

/**
 * The morning's work, in order. Signals, and the replies and bounces that change what is due for
 * them, come first; everything else is read only after they were passed on, so that a flood of
 * junk costs time but never the signal. Resolves when the next signal that waits becomes due;
 * throws, after everything else was done, when a signal could not be passed on or a purge not
 * verified.
 */
async function act(
  ctx: CheckContext,
  urgent: ReadMessage[],
  readRest: () => Promise<ReadMessage[]>,
): Promise<Date | undefined> {
  // Secure-mail notices are alerted at once, before anything else; a failed alert must not hold
  // up the signals, so it is thrown last.
  let secureFailure = await alertSecure(ctx, urgent);
  const first = await settleAndAdvance(ctx, urgent);
  const rest = await readRest();
  ctx.counts.messages += rest.length;
  secureFailure ??= await alertSecure(ctx, rest);
  const second = await settleAndAdvance(ctx, rest);
  await finishOrphans(ctx, new Set([...first.seen, ...second.seen]));
  forgetFinished(ctx.deps);
  await alertSetAside(ctx, [...first.setAside, ...second.setAside]);

  if (secureFailure) throw secureFailure;
  if (first.stuck || second.stuck)
    throw new MailerError('CONTACTS_UNREACHABLE', 'no contact accepted the notification');
  if (!ctx.counts.purgeVerified)
    throw new PurgeError('PURGE_NOT_VERIFIED', 'a purged message was still found');
  const waits = [...first.waits, ...second.waits];
  return waits.length > 0 ? new Date(Math.min(...waits.map((d) => d.getTime()))) : undefined;
}

/** The secure-mail notices among these messages, alerted; resolves to the error of a failed alert. */
function alertSecure(ctx: CheckContext, messages: ReadMessage[]): Promise<unknown> {
  return alertSecureNotices(ctx, messages).then(
    () => undefined,
    (err: unknown) => err ?? new Error('secure-notice alert failed'),
  );
}

/** Replies and bounces first (a confirmation or a bounce changes what is due), then the signals. */
async function settleAndAdvance(
  ctx: CheckContext,
  messages: ReadMessage[],
): Promise<SignalsOutcome & { setAside: SetAsideBatch[] }> {
  // Replies and bounces are settled in INBOX only: what lies in \Junk is not ours to remove.
  const inbox = await settleRepliesAndBounces(
    ctx,
    messages.filter((message) => message.folder === 'INBOX'),
  );
  const outcome = await advanceSignals(ctx, messages);
  return { ...outcome, setAside: [{ folder: 'INBOX', reasons: inbox }, ...setAsideElsewhere(messages)] };
}

/** Mail from a trusted sender in \Junk that a person must look at, by folder. */
function setAsideElsewhere(messages: ReadMessage[]): SetAsideBatch[] {
  const batches = new Map<string, SetAsideBatch>();
  for (const { folder, entry, decision } of messages) {
    if (folder === 'INBOX' || decision.action !== 'set-aside') continue;
    const batch = batches.get(folder) ?? { folder, reasons: new Map() };
    batch.reasons.set(entry.uid, decision.reason);
    batches.set(folder, batch);
  }
  return [...batches.values()];
}

function contextOf(
  deps: CheckDeps,
  mailbox: Mailbox,
  counts: CheckCounts,
  step: (name: string) => void,
): CheckContext {
  return {
    deps,
    mailbox,
    identity: identityOf(deps.settings),
    domain: domainOf(deps.settings.from.address),
    counts,
    step,
  };
}

/** Which mailbox this is, and what its provider keeps that a purge cannot reach. */
function announce(logger: Logger, mailbox: Mailbox, folders: string[]): void {
  logger.info({ step: 'connect', folders, kind: mailbox.provider }, 'connected to the mailbox');
  const statement = PROVIDER_RETENTION[mailbox.provider];
  if (statement)
    logger.warn({ step: 'connect', kind: mailbox.provider, warning: statement }, 'provider retention');
}

interface CheckSummary {
  startedAt: Date;
  counts: CheckCounts;
  outcome: 'ok' | 'failed';
  durationMs: number;
  provider: string;
  failure: unknown;
}

/**
 * Shared with the watchdog, so that each check leaves exactly one row: whoever writes first marks
 * it, and a check that the watchdog already recorded as timed out writes none of its own.
 */
export interface AuditMark {
  written: boolean;
}

/** The check's own audit row; a successful check also resets the dead-man alarm's clock. */
function audit(deps: CheckDeps, summary: CheckSummary, mark: AuditMark = { written: false }): void {
  const { startedAt, counts, outcome, durationMs } = summary;
  if (mark.written) return;
  mark.written = true;
  const error = summary.failure ? failureCode(summary.failure) : undefined;
  // One transaction for both: each commit waits for the disk (fsync), most of an empty check's
  // own time when many schools share one.
  const row = deps.store.transaction(() => {
    const appended = deps.store.append(
      checkEntry(startedAt, counts, outcome, durationMs, summary.provider, error),
    );
    if (outcome === 'ok') deps.store.setMeta('last_success_at', startedAt.toISOString());
    return appended;
  });
  // The head hash and row count go to the log, so that an outside copy (journald) shows if rows
  // were later removed from the end of the table.
  deps.logger.info(
    { step: 'audit', outcome, counts, durationMs, head: row.hash, rows: row.id },
    'check finished',
  );
}
