import type { ContactRole, SetAsideReason } from '../core/vocabulary.js';
import type { MessageDecision } from '../core/decide.js';
import { referenceOf } from '../core/identity.js';
import type { CheckContext, CheckDeps, ReadMessage } from './context.js';

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
    if (decision.action === 'set-aside') setAside.set(message.entry.uid, decision.reason);
    if (decision.action === 'quiet') {
      if (decision.ref?.kind === 'notify-primary' || decision.ref?.kind === 'notify-backup') {
        recordBounce(
          deps,
          decision.ref.keyPrefix,
          decision.ref.kind === 'notify-primary' ? 'primary' : 'backup',
        );
      }
      removeQuietly.push(message.entry.uid);
      counts.quietlyRemoved += 1;
    }
    if (decision.action === 'confirmation') {
      const outcome = recordConfirmation(deps, decision, deps.clock.now());
      if (outcome === 'recorded') counts.confirmations += 1;
      // A reply quotes the notification, so it holds the child's data: it goes like the signal.
      // A reply that does not count (from a contact who was not sent it, or about a signal we do
      // not know) is not ours to delete: a person looks at it.
      if (outcome === 'not-counted') setAside.set(message.entry.uid, 'unexpected-reply');
      else removeQuietly.push(message.entry.uid);
    }
  }
  if (removeQuietly.length > 0) await ctx.mailbox.deleteUids('INBOX', removeQuietly);
  return setAside;
}

function recordConfirmation(
  deps: CheckDeps,
  decision: Extract<MessageDecision, { action: 'confirmation' }>,
  now: Date,
): 'recorded' | 'already-confirmed' | 'not-counted' {
  const { store } = deps;
  const record = decision.ref
    ? store.findSignalByKeyPrefix(decision.ref.keyPrefix)
    : store.allSignals().find((signal) => referenceOf(signal.key) === decision.reference);
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
  deps.logger.info({ step: 'confirm', role: decision.role }, 'a contact confirmed a signal');
  return 'recorded';
}

/** A bounce of our notification: that contact cannot be reached, which is a reason to escalate. */
function recordBounce(deps: CheckDeps, keyPrefix: string, role: ContactRole): void {
  const record = deps.store.findSignalByKeyPrefix(keyPrefix);
  if (!record || record.purgedAt || record.refused[role]) return;
  deps.store.putSignal({ ...record, refused: { ...record.refused, [role]: deps.clock.now().toISOString() } });
  deps.logger.warn({ step: 'bounce', role }, 'a notification bounced');
}
