import type { OutgoingMail, SendResult } from '../core/ports.js';
import {
  DEFAULT_MAX_NOTIFICATION_BYTES,
  needsOriginal,
  planOriginal,
  type OriginalPlan,
} from '../core/completeness.js';
import { cutNote, type OriginalNotice } from '../core/compose-completeness.js';
import type { CheckContext, SignalInProgress } from './context.js';

/** How much of the original text the notification's body quotes; the rest is in the attachment. */
export const INLINE_ORIGINAL_CHARS = 20_000;

/** What the notification may say about the original, and its inline text, for one plan. */
export interface OriginalParts {
  original?: OriginalNotice & { raw?: Buffer };
  originalText?: string;
}

function partsFor(signal: SignalInProgress, plan: OriginalPlan, untilConfirmed: boolean): OriginalParts {
  const { classified, facts } = signal;
  const listCut = classified.reasons.includes('more children than can be listed');
  const parts: OriginalParts = {};
  if (plan.carry === 'attached') {
    parts.original = {
      carry: 'attached',
      listCut,
      ...(untilConfirmed ? { untilConfirmed } : {}),
      ...(signal.raw ? { raw: signal.raw } : {}),
    };
  }
  if (plan.carry === 'held') parts.original = { carry: 'held', listCut };
  if (classified.needsReview) {
    const cut = facts.text.length > INLINE_ORIGINAL_CHARS;
    const carry = plan.carry === 'attached' ? 'attached' : 'held';
    parts.originalText = cut
      ? `${facts.text.slice(0, INLINE_ORIGINAL_CHARS)}\n${cutNote(carry)}`
      : facts.text;
  }
  return parts;
}

/**
 * Sends one notification with the original signal attached when its body may not name every
 * child. When the original cannot travel (larger than maxNotificationBytes, or refused by the
 * mail server for its size), the notification goes without it, tells the contact to read the
 * signal in the HwC mailbox, and the signal is held: `held` says so, and the caller records it
 * with the notification, in one save.
 *
 * With notify: both an attached original holds the signal too: nothing else waits after both
 * notifications, and a size bounce or a quarantined attachment downstream must still find the
 * signal in the mailbox. The notification says so (`untilConfirmed`).
 */
export async function sendWithOriginal(
  ctx: CheckContext,
  signal: SignalInProgress,
  role: string,
  compose: (parts: OriginalParts) => OutgoingMail,
): Promise<{ result: SendResult; held: boolean }> {
  const { deps } = ctx;
  const limit = deps.settings.maxNotificationBytes ?? DEFAULT_MAX_NOTIFICATION_BYTES;
  const required = needsOriginal(signal.classified, signal.facts);
  const untilConfirmed = deps.settings.notify === 'both';
  let plan = planOriginal(required, signal.raw?.length, limit);
  let result = await deps.mailer.send(compose(partsFor(signal, plan, untilConfirmed)));
  if (plan.carry === 'attached' && (result.tooBig?.length ?? 0) > 0) {
    deps.logger.warn(
      { step: 'notify', role, reason: 'original-refused-for-size' },
      'SMTP refused the notification with the original for its size; it goes without, and the signal is held',
    );
    plan = { carry: 'held', why: 'refused' };
    result = await deps.mailer.send(compose(partsFor(signal, plan, untilConfirmed)));
  }
  if (plan.carry === 'held') {
    deps.logger.warn(
      {
        step: 'notify',
        role,
        reason: plan.why === 'too-big' ? 'original-too-big' : 'original-refused-for-size',
      },
      'the original could not travel with the notification; the contact is told to read it in the mailbox',
    );
  }
  return { result, held: plan.carry === 'held' || (plan.carry === 'attached' && untilConfirmed) };
}
