import { randomUUID } from 'node:crypto';
import { composeAlert } from '../core/compose.js';
import type { SetAsideReason } from '../core/vocabulary.js';
import { KEYWORD } from '../core/decide.js';
import { isPrimaryAbsent, type CheckContext } from './context.js';
import { sendOrFail } from './send-or-fail.js';

/** The messages of one folder that are left for a person: uid -> why. */
export interface SetAsideBatch {
  folder: string;
  reasons: Map<number, SetAsideReason>;
}

// UIDs per STORE command: one command per batch, and no command line a server would refuse.
const STORE_BATCH = 500;

/**
 * One content-free alert about every message left for a person, with a count per reason. The
 * messages are marked only after the alert was accepted: if SMTP is down, the next check alerts
 * again. Marking goes in batches of UIDs (one STORE each), so that what was alerted about in a
 * flood is recorded at once and never read again: each check makes progress.
 */
export async function alertSetAside(ctx: CheckContext, batches: SetAsideBatch[]): Promise<void> {
  const total = batches.reduce((sum, batch) => sum + batch.reasons.size, 0);
  if (total === 0) return;
  const { deps, counts } = ctx;
  const { settings, clock } = deps;
  const tally: Partial<Record<SetAsideReason, number>> = {};
  for (const batch of batches) {
    for (const reason of batch.reasons.values()) tally[reason] = (tally[reason] ?? 0) + 1;
  }
  await sendOrFail(
    deps.mailer,
    composeAlert({
      identity: ctx.identity,
      // The alert goes to whoever stands in today: the backup while the primary contact is away.
      contact: isPrimaryAbsent(settings, clock.now()) ? settings.contacts.backup : settings.contacts.primary,
      counts: tally,
      at: clock.now(),
      messageId: `hwc.alert.${randomUUID()}@${ctx.domain}`,
    }),
  );
  counts.alertsSent += 1;
  for (const { folder, reasons } of batches) {
    const uids = [...reasons.keys()];
    for (let i = 0; i < uids.length; i += STORE_BATCH) {
      await ctx.mailbox.addKeywords(uids.slice(i, i + STORE_BATCH), [KEYWORD.setAside], folder);
    }
  }
  counts.setAside += total;
  counts.setAsideReasons = tally;
  deps.logger.info({ step: 'set-aside', count: total }, 'messages left for a person; alert sent');
}
