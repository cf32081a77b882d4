import { randomUUID } from 'node:crypto';
import type { SignalStep } from '../core/decide.js';
import { KEYWORD, mdnRecipient } from '../core/decide.js';
import { composeAcknowledgement, composeMdn, composeNotification, composeReminder } from '../core/compose.js';
import { confirmationCode, ownMessageId, ownMessageIds, referenceOf } from '../core/identity.js';
import { MailerError } from '../core/errors.js';
import { policyFor, save, type CheckContext, type SignalInProgress } from './context.js';
import type { NotificationInput } from '../core/compose.js';
import type { ContactRole } from '../core/vocabulary.js';
import { finishSignal, purge } from './purge.js';
import { linkNotification, linkReminder } from './link-mail.js';
import { deferredError, outcomeOf, sendOrFail } from './send-or-fail.js';
import { sendWithOriginal } from './notify-original.js';
import { needsOriginal } from '../core/completeness.js';
import { sendConfirmedNotices } from './confirmed-notices.js';

/** The steps that do something; 'wait', 'stuck', 'held' and 'done' end a signal's turn instead. */
export type ActionStep = Exclude<SignalStep, { step: 'wait' | 'stuck' | 'held' | 'done' }>;
export type ActionKind = ActionStep['step'];
export type StepOf<K extends ActionKind> = Extract<ActionStep, { step: K }>;

/** Takes one step for one signal and saves what it did before it returns. */
export type StepHandler<S extends ActionStep> = (
  ctx: CheckContext,
  signal: SignalInProgress,
  step: S,
  now: Date,
) => Promise<void>;

/** One handler per step kind: a new kind in SignalStep does not compile until it has one. */
export type StepHandlers = { [K in ActionKind]: StepHandler<StepOf<K>> };

/**
 * Tells one contact, with the child's data. A permanent refusal (5yz) is recorded, so that the
 * backup is told; a temporary one (4yz) records nothing and fails the check, to be sent again.
 */
const notify: StepHandler<StepOf<'notify'>> = async (ctx, signal, step, now) => {
  const { deps, counts } = ctx;
  const { classified, record } = signal;
  const secret = deps.store.secret();
  // Link mode: the mail holds no child data; a signal the page cannot show whole is held.
  const link = linkNotification(ctx, signal, step.role, step.escalation);
  const { result, held } = link
    ? { result: await deps.mailer.send(link), held: needsOriginal(classified, signal.facts) }
    : await sendWithOriginal(ctx, signal, step.role, (parts) =>
        composeNotification({
          identity: ctx.identity,
          contact: deps.settings.contacts[step.role],
          role: step.role,
          children: classified.children,
          receivedAt: new Date(record.receivedAt),
          ...(record.arrivedAt ? { arrivedAt: new Date(record.arrivedAt) } : {}),
          ...timing(ctx, signal, step.role, now),
          reference: referenceOf(signal.key),
          confirmationCode: confirmationCode(secret, signal.key, step.role),
          messageId: ownMessageId(secret, `notify-${step.role}`, signal.key, ctx.domain),
          needsReview: classified.needsReview,
          reviewReasons: classified.reasons,
          ...parts,
          ...(step.escalation ? { escalation: step.escalation } : {}),
        }),
      );
  // The one moment when a notification went out but is not recorded yet (the disk-full test).
  ctx.step(`sent-notify-${step.role}`);
  const stamp = now.toISOString();
  const outcome = outcomeOf(result);
  if (outcome === 'deferred') {
    // Only "not now": the contact is not unreachable, so nobody is told instead of them.
    deps.logger.warn(
      { step: 'notify', role: step.role, outcome, reason: 'smtp-deferred' },
      'SMTP deferred the notification (4xx); it is sent at the next check',
    );
    throw deferredError('notification');
  }
  if (outcome === 'accepted') {
    save(ctx, signal, {
      notified: { ...record.notified, [step.role]: stamp },
      ...(step.escalation ? { escalatedAt: stamp, escalationReason: step.escalation } : {}),
      ...(held && !record.heldAt ? { heldAt: stamp } : {}),
    });
    counts.notificationsSent += 1;
    if (step.escalation) counts.escalations += 1;
    deps.logger.info(
      { step: 'notify', role: step.role, ...(step.escalation ? { reason: step.escalation } : {}) },
      'notification accepted by SMTP',
    );
  } else {
    save(ctx, signal, { refused: { ...record.refused, [step.role]: stamp } });
    deps.logger.warn(
      { step: 'notify', role: step.role, outcome, reason: 'recipient-refused' },
      'SMTP refused a contact',
    );
  }
  ctx.step(`after-notify-${step.role}`);
};

/**
 * What the notification says about time and the other contact: when the backup is told if nobody
 * confirms (escalateAfter from now, at the latest the deadline), or that both were told at once.
 */
function timing(
  ctx: CheckContext,
  signal: SignalInProgress,
  role: ContactRole,
  now: Date,
): Pick<
  NotificationInput,
  'now' | 'other' | 'escalateAt' | 'otherToldToo' | 'deadline' | 'escalateAfterMinutes'
> {
  const { settings } = ctx.deps;
  const policy = policyFor(settings, signal.record, now);
  const other = settings.contacts[role === 'primary' ? 'backup' : 'primary'];
  const both = settings.notify === 'both' && (role === 'primary' || !policy.primaryAbsent);
  const escalateAt = new Date(Math.min(now.getTime() + settings.escalateAfterMs, policy.deadline.getTime()));
  return {
    now,
    other,
    deadline: policy.deadline,
    escalateAfterMinutes: Math.round(settings.escalateAfterMs / 60_000),
    ...(both ? { otherToldToo: true } : {}),
    ...(role === 'primary' && !both ? { escalateAt } : {}),
  };
}

/** A content-free receipt to the sender; the IMAP keyword guards it if the state is lost. */
const acknowledge: StepHandler<StepOf<'acknowledge'>> = async (ctx, signal, _step, now) => {
  const { facts } = signal;
  if (!facts.fromAddress) throw new MailerError('NO_SENDER', 'signal has no sender to acknowledge');
  await sendOrFail(
    ctx.deps.mailer,
    composeAcknowledgement({
      identity: ctx.identity,
      to: facts.fromAddress,
      ...(facts.messageId ? { originalMessageId: facts.messageId } : {}),
      originalReferences: facts.references,
      receivedAt: new Date(signal.record.receivedAt),
      ...(signal.record.arrivedAt ? { arrivedAt: new Date(signal.record.arrivedAt) } : {}),
      messageId: ownMessageId(ctx.deps.store.secret(), 'ack', signal.key, ctx.domain),
    }),
  );
  save(ctx, signal, { acknowledgedAt: now.toISOString() });
  await ctx.mailbox.addKeywords(signal.uid, [KEYWORD.acknowledged], signal.folder);
  signal.keywords.push(KEYWORD.acknowledged);
  ctx.counts.acknowledgementsSent += 1;
  ctx.step('after-acknowledge');
};

/** The read receipt (RFC 8098) the sender asked for; $MDNSent guards against a second. */
const mdn: StepHandler<StepOf<'mdn'>> = async (ctx, signal, _step, now) => {
  const { facts } = signal;
  const recipient = mdnRecipient(facts);
  // decide.ts asks for an MDN only when it may be sent; this guards the handler on its own too.
  if (!recipient.send) throw new MailerError('MDN_NOT_ALLOWED', 'no MDN may be sent for this message');
  await sendOrFail(
    ctx.deps.mailer,
    composeMdn({
      identity: ctx.identity,
      to: recipient.to,
      ...(facts.messageId ? { originalMessageId: facts.messageId } : {}),
      messageId: ownMessageId(ctx.deps.store.secret(), 'mdn', signal.key, ctx.domain),
      reportingUa: `hwc-watcher; hwc-watcher ${ctx.deps.settings.version}`,
    }),
  );
  save(ctx, signal, { mdnSentAt: now.toISOString() });
  await ctx.mailbox.addKeywords(signal.uid, [KEYWORD.mdnSent], signal.folder);
  signal.keywords.push(KEYWORD.mdnSent);
  ctx.counts.mdnsSent += 1;
  ctx.step('after-mdn');
};

/** The deadline passed and nobody confirmed: every contact who was told is reminded, without content. */
const remind: StepHandler<StepOf<'remind'>> = async (ctx, signal, _step, now) => {
  const { deps } = ctx;
  for (const role of ['primary', 'backup'] as const) {
    if (!signal.record.notified[role]) continue;
    const messageId = `hwc.remind.${randomUUID()}@${ctx.domain}`;
    const result = await deps.mailer.send(
      linkReminder(ctx, signal, role, now, messageId) ??
        composeReminder({
          identity: ctx.identity,
          contact: deps.settings.contacts[role],
          reference: referenceOf(signal.key),
          at: now,
          messageId,
        }),
    );
    // Deferred: not recorded as reminded, so the next check reminds again.
    if (outcomeOf(result) === 'deferred') throw deferredError('reminder');
    if (outcomeOf(result) === 'accepted') ctx.counts.remindersSent += 1;
  }
  save(ctx, signal, { reminderSentAt: now.toISOString() });
  deps.logger.warn({ step: 'remind' }, 'nobody confirmed by the deadline; reminder sent');
};

/**
 * Link mode: the thanks and the other contact's notice after a confirmation on the page, which has
 * no mailer. Recorded at once after they went: a crash in between sends them once more, never not
 * at all. A notice the server refused is logged and not retried, as after a reply; one that was
 * deferred or found no server fails the check, and the next one sends them again.
 */
const thank: StepHandler<StepOf<'thank'>> = async (ctx, signal, step, now) => {
  await sendConfirmedNotices(ctx, signal.record, step.role, { viaLink: true, mustArrive: true });
  ctx.step('sent-thank');
  save(ctx, signal, { confirmedNoticesAt: now.toISOString() });
  ctx.step('after-thank');
};

/** The signal and our own mails about it leave every folder; the audit row records how it went. */
const purgeSignal: StepHandler<StepOf<'purge'>> = async (ctx, signal, step) => {
  const { deps, counts } = ctx;
  const { facts } = signal;
  const own = ownMessageIds(deps.store.secret(), signal.key, ctx.domain);
  // Copies of the signal by Message-ID and content; without a content digest, by Message-ID as before.
  const copies =
    facts.messageId && signal.contentDigest
      ? { messageId: facts.messageId, contentDigest: signal.contentDigest }
      : undefined;
  const ids = [...(facts.messageId && !copies ? [facts.messageId] : []), ...own];
  const verified = await purge(deps, ctx.mailbox, ids, signal.uid, ctx.step, signal.folder, copies);
  signal.record = finishSignal(deps, signal.record, verified, step.why, signal.keywords);
  counts.purged += 1;
  if (step.why === 'hard-limit') counts.unconfirmedPurged += 1;
  if (step.thanksDropped) {
    // The purge never waits past purgeAfter for SMTP to take a courtesy mail: say what was lost.
    deps.logger.warn(
      { step: 'thank', outcome: 'dropped', reason: 'past-purge-after' },
      "past purgeAfter: the page confirm's thanks and notice to the other contact are dropped, not sent",
    );
  }
  if (!verified) counts.purgeVerified = false;
  ctx.step('after-purge');
};

export const HANDLERS: StepHandlers = { notify, acknowledge, mdn, remind, thank, purge: purgeSignal };
