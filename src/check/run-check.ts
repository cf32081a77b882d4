import type { Logger, Mailbox } from '../core/ports.js';
import { domainOf } from '../core/compose.js';
import { checkEntry, emptyCounts, type CheckCounts } from '../core/audit-entry.js';
import { MailerError, PurgeError } from '../core/errors.js';
import { PROVIDER_RETENTION } from '../core/provider-retention.js';
import { safeError } from '../core/safe-error.js';
import {
  identityOf,
  type CheckContext,
  type CheckDeps,
  type CheckReport,
  type ReadMessage,
} from './context.js';
import { readInbox } from './read-inbox.js';
import { settleRepliesAndBounces } from './confirmations.js';
import { advanceSignals } from './signal-steps.js';
import { finishOrphans, forgetFinished } from './orphans.js';
import { alertSetAside } from './set-aside-alert.js';
import { planOnly } from './dry-run.js';

/**
 * One morning check: read → decide → act → purge → audit. Nothing from a mail leaves memory,
 * except in the notification to a contact; the purge comes only after SMTP accepted that.
 */
export async function runCheck(
  deps: CheckDeps,
  options: { dryRun: boolean; audited?: AuditMark },
): Promise<CheckReport> {
  const { logger, clock } = deps;
  const startedAt = clock.now();
  const counts = emptyCounts();
  const step = (name: string): void => deps.onStep?.(name);
  let plan: string[] = [];
  let nextDueAt: Date | undefined;
  let failure: unknown;

  const mailbox = await deps.opener.open({ readOnly: options.dryRun });
  const folders = Object.values(mailbox.folders).filter((f): f is string => typeof f === 'string');
  announce(logger, mailbox, folders);
  try {
    const messages = await readInbox(deps, mailbox, clock.now());
    counts.messages = messages.length;
    step('after-fetch');
    if (options.dryRun) plan = planOnly(deps, messages, counts, mailbox);
    else nextDueAt = await act(contextOf(deps, mailbox, counts, step), messages);
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
    audit(
      deps,
      { startedAt, counts, outcome, durationMs, provider: mailbox.provider, failure },
      options.audited,
    );
  }
  if (failure) throw failure;
  return { dryRun: options.dryRun, outcome, counts, plan, folders, ...(nextDueAt ? { nextDueAt } : {}) };
}

/**
 * The morning's work, in order. Resolves when the next signal that waits becomes due; throws,
 * after everything else was done, when a signal could not be passed on or a purge not verified.
 */
async function act(ctx: CheckContext, messages: ReadMessage[]): Promise<Date | undefined> {
  const setAside = await settleRepliesAndBounces(ctx, messages);
  const { seen, waits, stuck } = await advanceSignals(ctx, messages);
  await finishOrphans(ctx, seen);
  forgetFinished(ctx.deps);
  await alertSetAside(ctx, setAside);

  if (stuck) throw new MailerError('CONTACTS_UNREACHABLE', 'no contact accepted the notification');
  if (!ctx.counts.purgeVerified)
    throw new PurgeError('PURGE_NOT_VERIFIED', 'a purged message was still found');
  return waits.length > 0 ? new Date(Math.min(...waits.map((d) => d.getTime()))) : undefined;
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

/** The safe code of a failure for its audit row: the error's code or kind, never its message. */
export function failureCode(err: unknown): string {
  const safe = safeError(err);
  return safe.code ?? safe.name;
}

/** The check's own audit row; a successful check also resets the dead-man alarm's clock. */
function audit(deps: CheckDeps, summary: CheckSummary, mark: AuditMark = { written: false }): void {
  const { startedAt, counts, outcome, durationMs } = summary;
  if (mark.written) return;
  mark.written = true;
  const error = summary.failure ? failureCode(summary.failure) : undefined;
  const row = deps.store.append(checkEntry(startedAt, counts, outcome, durationMs, summary.provider, error));
  if (outcome === 'ok') deps.store.setMeta('last_success_at', startedAt.toISOString());
  // The head hash and row count go to the log, so that an outside copy (journald) shows if rows
  // were later removed from the end of the table.
  deps.logger.info(
    { step: 'audit', outcome, counts, durationMs, head: row.hash, rows: row.id },
    'check finished',
  );
}
