/**
 * Whether a signal was read whole, and what follows when it was not. Pure. The rule: a signal is
 * purged only when everything in it that could name a child has reached a person, so whenever
 * recognition is unsure, found no child, cut a list or a text, or the mail carries attachments,
 * the notification carries the original message whole; when it cannot, the signal is held.
 */

import type { ClassifiedMail, MailFacts } from './types.js';

/** Fixed phrases, like every reason: they never hold content. */
export const COMPLETENESS_REASON = {
  textCut: 'text longer than can be read; the original is attached',
  embeddedUnread: 'forwarded message too big to read; the original is attached',
  attachments: 'attachments travel with the notification',
} as const;

/** The review reasons (a person must look) and the informative ones, from what the parser could not read. */
export function completenessReasons(facts: MailFacts): { review: string[]; info: string[] } {
  const c = facts.completeness;
  const review: string[] = [];
  const info: string[] = [];
  if (c?.textCut) review.push(COMPLETENESS_REASON.textCut);
  if ((c?.embeddedUnread ?? 0) > 0) review.push(COMPLETENESS_REASON.embeddedUnread);
  if ((c?.attachments ?? 0) > 0) info.push(COMPLETENESS_REASON.attachments);
  return { review, info };
}

/** Whether the notification must carry the original message, because its body may not name every child. */
export function needsOriginal(classified: ClassifiedMail, facts: MailFacts): boolean {
  const c = facts.completeness;
  return (
    classified.needsReview ||
    classified.children.length === 0 ||
    (c?.attachments ?? 0) > 0 ||
    c?.textCut === true ||
    (c?.embeddedUnread ?? 0) > 0
  );
}

/** How the original travels with one notification. */
export type OriginalPlan =
  { carry: 'none' } | { carry: 'attached' } | { carry: 'held'; why: 'too-big' | 'refused' };

/**
 * Whether the original can be attached: within maxNotificationBytes, with room for the
 * notification's own text and headers. The size is that of the raw message, which travels as it
 * is (message/rfc822, RFC 2046 5.2.1: 7bit or 8bit, never base64), so no encoding adds to it.
 */
export function planOriginal(
  required: boolean,
  rawBytes: number | undefined,
  maxNotificationBytes: number,
): OriginalPlan {
  if (!required) return { carry: 'none' };
  if (rawBytes === undefined || rawBytes + NOTIFICATION_OVERHEAD_BYTES > maxNotificationBytes) {
    return { carry: 'held', why: 'too-big' };
  }
  return { carry: 'attached' };
}

/**
 * The default of maxNotificationBytes. Exchange Online accepts messages up to 25 MB by default (its
 * transport limit), Gmail 25 MB too; 10 MB leaves room for a relay with a smaller limit and is
 * twice the default maxMessageBytes, so a signal that hwc reads at all fits by default.
 */
export const DEFAULT_MAX_NOTIFICATION_BYTES = 10 * 1024 * 1024;

/** Room kept for the notification's own text and headers around the attached original. */
export const NOTIFICATION_OVERHEAD_BYTES = 64 * 1024;
