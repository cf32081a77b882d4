import type { OutgoingMail } from '../core/ports.js';
import type { ContactRole, EscalationReason } from '../core/vocabulary.js';
import { composeLinkNotification, composeLinkReminder, linkUrl } from '../core/compose-link.js';
import { ownMessageId, referenceOf } from '../core/identity.js';
import { HwcError } from '../core/errors.js';
import { needsOriginal } from '../core/completeness.js';
import { policyFor, type CheckContext, type SignalInProgress } from './context.js';

/** A fresh token for this signal and role, valid until purgeAfter; the link that holds it. */
function issueLink(ctx: CheckContext, signal: SignalInProgress, role: ContactRole): string {
  const { deps } = ctx;
  const link = deps.settings.link;
  if (!deps.linkTokens || !link) throw new HwcError('LINK_NOT_WIRED', 'deliver: link without the page');
  const expiresAt = new Date(Date.parse(signal.record.receivedAt) + deps.settings.purgeAfterMs);
  return linkUrl(link.baseUrl, deps.linkTokens.issue(signal.key, role, expiresAt));
}

/** In link mode, the notification to `role`: content-free, with its own link; undefined otherwise. */
export function linkNotification(
  ctx: CheckContext,
  signal: SignalInProgress,
  role: ContactRole,
  escalation: EscalationReason | undefined,
): OutgoingMail | undefined {
  const { deps } = ctx;
  if (deps.settings.deliver !== 'link') return undefined;
  const policy = policyFor(deps.settings, signal.record, deps.clock.now());
  return composeLinkNotification({
    identity: ctx.identity,
    contact: deps.settings.contacts[role],
    receivedAt: new Date(signal.record.receivedAt),
    ...(signal.record.arrivedAt ? { arrivedAt: new Date(signal.record.arrivedAt) } : {}),
    primary: deps.settings.contacts.primary,
    escalateAfterMinutes: Math.round(deps.settings.escalateAfterMs / 60_000),
    reference: referenceOf(signal.key),
    url: issueLink(ctx, signal, role),
    actBy: policy.deadline,
    messageId: ownMessageId(deps.store.secret(), `notify-${role}`, signal.key, ctx.domain),
    needsReview: signal.classified.needsReview,
    readInMailbox: needsOriginal(signal.classified, signal.facts),
    pin: deps.settings.link?.pinRoles.includes(role) ?? false,
    // The page offers the hand-on to the primary only, with notify: escalate (link-actions.ts).
    canHandOn: role === 'primary' && deps.settings.notify === 'escalate',
    ...(escalation ? { escalation } : {}),
  });
}

/** In link mode, the deadline reminder to `role`, with a fresh link; undefined otherwise. */
export function linkReminder(
  ctx: CheckContext,
  signal: SignalInProgress,
  role: ContactRole,
  now: Date,
  messageId: string,
): OutgoingMail | undefined {
  const { deps } = ctx;
  if (deps.settings.deliver !== 'link') return undefined;
  return composeLinkReminder({
    identity: ctx.identity,
    contact: deps.settings.contacts[role],
    reference: referenceOf(signal.key),
    url: issueLink(ctx, signal, role),
    at: now,
    messageId,
    readInMailbox: needsOriginal(signal.classified, signal.facts),
    pin: deps.settings.link?.pinRoles.includes(role) ?? false,
  });
}
