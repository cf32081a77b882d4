import { randomUUID } from 'node:crypto';
import { composeAlert } from '../core/compose.js';
import type { SetAsideReason } from '../core/vocabulary.js';
import { KEYWORD } from '../core/decide.js';
import { isPrimaryAbsent, type CheckContext } from './context.js';
import { sendOrFail } from './send-or-fail.js';

/**
 * One content-free alert about every message left for a person, with a count per reason. The
 * messages are marked only after the alert was accepted: if SMTP is down, the next check alerts again.
 */
export async function alertSetAside(ctx: CheckContext, setAside: Map<number, SetAsideReason>): Promise<void> {
  if (setAside.size === 0) return;
  const { deps, counts } = ctx;
  const { settings, clock } = deps;
  const tally: Partial<Record<SetAsideReason, number>> = {};
  for (const reason of setAside.values()) tally[reason] = (tally[reason] ?? 0) + 1;
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
  for (const uid of setAside.keys()) await ctx.mailbox.addKeywords(uid, [KEYWORD.setAside]);
  counts.setAside = setAside.size;
  counts.setAsideReasons = tally;
  deps.logger.info({ step: 'set-aside', count: setAside.size }, 'messages left for a person; alert sent');
}
