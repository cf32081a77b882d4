import type { SetAsideReason } from '../core/vocabulary.js';
import type { BounceClaim, MessageDecision } from '../core/decide.js';
import { indexOwnMail, type OwnMailIndex } from '../core/identity.js';
import type { CheckContext, CheckDeps, ReadMessage } from './context.js';
import { sendConfirmedNotices } from './confirmed-notices.js';

/**
 * Our mails about every signal the state still knows (open ones, and purged ones for a week, so
 * that a late confirmation is recognised), computed from their keys: few signals, a few HMACs each.
 */
export function ownMailIndex(deps: CheckDeps, domain: string): OwnMailIndex {
  const keys = deps.store.allSignals().map((record) => record.key);
  return indexOwnMail(deps.store.secret(), keys, domain);
}

/**
 * Replies and bounces come first, because a confirmation or a bounce changes what is due for its
 * signal. Returns the messages left for a person (uid -> why), in INBOX order.
 */
export async function settleRepliesAndBounces(
  ctx: CheckContext,
  messages: ReadMessage[],
): Promise<Map<number, SetAsideReason>> {
  const { deps, counts } = ctx;
  const setAside = new Map<number, SetAsideReason>();
  const removeQuietly: number[] = [];
  for (const message of messages) {
    const { decision } = message;
    const uid = message.entry.uid;
    if (decision.action === 'set-aside') setAside.set(uid, decision.reason);
    if (decision.action === 'quiet') {
      // A bounce that cannot count (for a notification never sent, or of the backup's without
      // authenticated evidence) is not ours to delete either: a person looks at it.
      if (decision.bounce && !recordBounce(deps, decision.bounce)) {
        setAside.set(uid, 'unexpected-reply');
        continue;
      }
      if (decision.outOfOffice) recordOutOfOffice(deps, decision.outOfOffice.key);
      removeQuietly.push(uid);
      counts.quietlyRemoved += 1;
    }
    if (decision.action === 'confirmation') {
      // In link mode a reply proves nobody saw the child's name (it may say the link did not
      // open): it does not count, a person looks, and escalation goes on; the page confirms.
      const linkMode = deps.settings.deliver === 'link';
      const record = deps.store.getSignal(decision.key);
      if (!linkMode && record?.notified[decision.role] && !record.confirmedAt) {
        await sendConfirmedNotices(ctx, record, decision.role);
      }
      const outcome = linkMode ? 'not-counted' : recordConfirmation(deps, decision, deps.clock.now());
      if (outcome === 'recorded') counts.confirmations += 1;
      // A reply quotes the notification, so it holds the child's data: it goes like the signal.
      // A reply that does not count (from a contact who was not sent it, or about a signal we do
      // not know) is not ours to delete: a person looks at it.
      if (outcome === 'not-counted') setAside.set(uid, 'unexpected-reply');
      else removeQuietly.push(uid);
    }
  }
  if (removeQuietly.length > 0) await ctx.mailbox.deleteUids('INBOX', removeQuietly);
  return setAside;
}

export function recordConfirmation(
  deps: Pick<CheckDeps, 'store' | 'logger'>,
  decision: Pick<Extract<MessageDecision, { action: 'confirmation' }>, 'key' | 'role'> & {
    proof: 'code' | 'authenticated' | 'link';
  },
  now: Date,
): 'recorded' | 'already-confirmed' | 'not-counted' {
  const { store } = deps;
  const record = store.getSignal(decision.key);
  // Only a reply from a contact who was sent the notification counts.
  if (!record?.notified[decision.role]) return 'not-counted';
  if (record.confirmedAt) return 'already-confirmed';
  const minutes = Math.round((now.getTime() - Date.parse(record.receivedAt)) / 60_000);
  store.transaction(() => {
    store.putSignal({ ...record, confirmedAt: now.toISOString(), confirmedBy: decision.role });
    store.append({
      at: now.toISOString(),
      type: 'signal',
      data: {
        event: 'confirmed',
        confirmedBy: decision.role,
        minutesToConfirm: minutes,
        // The report must not count a confirmation of a signal that was already gone as on time.
        ...(record.purgedAt ? { afterPurge: true } : {}),
      },
    });
  });
  deps.logger.info(
    { step: 'confirm', role: decision.role, reason: decision.proof },
    'a contact confirmed a signal',
  );
  return 'recorded';
}

/**
 * A bounce of our notification: that contact cannot be reached, which is a reason to escalate.
 * It counts only for a notification that was really sent, and a bounce may only ever make hwc
 * tell more people: of the primary's notification it escalates at once; of the backup's (which
 * keeps the signal until a confirmation or purgeAfter) it counts only with authenticated evidence.
 * Resolves whether the bounce counted (or had already been recorded).
 */
function recordBounce(deps: CheckDeps, claim: BounceClaim): boolean {
  const { role } = claim;
  const record = deps.store.getSignal(claim.key);
  if (!record?.notified[role]) return false;
  if (role === 'backup' && !claim.authenticated) return false;
  if (record.purgedAt || record.refused[role]) return true;
  deps.store.putSignal({ ...record, refused: { ...record.refused, [role]: deps.clock.now().toISOString() } });
  deps.logger.warn({ step: 'bounce', role }, 'a notification bounced');
  return true;
}

/**
 * An automatic absence reply (RFC 3834) from the primary to its notification: the primary will not
 * see it in time, so the backup is told at once (decide.ts escalationReason), with its own reason.
 */
function recordOutOfOffice(deps: CheckDeps, key: string): void {
  const record = deps.store.getSignal(key);
  if (!record?.notified.primary || record.purgedAt || record.confirmedAt || record.outOfOfficeAt) return;
  deps.store.putSignal({ ...record, outOfOfficeAt: deps.clock.now().toISOString() });
  deps.logger.warn(
    { step: 'bounce', role: 'primary', reason: 'out-of-office' },
    'the primary contact is away',
  );
}
