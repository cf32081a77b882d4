import type { ClassifiedMail, MailFacts } from '../core/types.js';
import type { SignalRecord } from '../core/ports.js';
import { mdnRecipient, nextSignalStep } from '../core/decide.js';
import { signalKey, signalKeyOf } from '../core/identity.js';
import { arrivalTime } from '../core/arrival.js';
import { HwcError } from '../core/errors.js';
import { policyFor, type CheckContext, type ReadMessage, type SignalInProgress } from './context.js';
import { HANDLERS, type ActionKind, type StepHandlers, type StepOf } from './step-handlers.js';

/**
 * The most steps one signal may take in one check. The longest real path is six (notify the
 * primary, who is refused; notify the backup; acknowledge; MDN; remind; purge): more means that
 * a step did not record what it did, and going on would repeat it.
 */
export const MAX_STEPS_PER_SIGNAL = 12;

/** How a signal's turn in this check ended. */
export type SignalTurn = { end: 'done' } | { end: 'wait'; until: Date } | { end: 'stuck' };

export interface SignalsOutcome {
  /** The keys of the signals found in INBOX: an open workflow not among them is an orphan. */
  seen: Set<string>;
  /** When each waiting signal is due again. */
  waits: Date[];
  /** Some signal could not be passed on to any contact. */
  stuck: boolean;
}

/** Takes every signal in INBOX as far as it can go today. */
export async function advanceSignals(ctx: CheckContext, messages: ReadMessage[]): Promise<SignalsOutcome> {
  const secret = ctx.deps.store.secret();
  const outcome: SignalsOutcome = { seen: new Set(), waits: [], stuck: false };
  for (const message of messages) {
    if (message.decision.action !== 'signal' || !message.facts) continue;
    const signal = openSignal(ctx, message, message.facts, message.decision.classified, secret);
    outcome.seen.add(signal.key);
    const turn = await advanceSignal(ctx, signal);
    if (turn.end === 'wait') outcome.waits.push(turn.until);
    if (turn.end === 'stuck') outcome.stuck = true;
  }
  return outcome;
}

/** Counts a signal and finds its workflow row, or starts one. */
function openSignal(
  ctx: CheckContext,
  message: ReadMessage,
  facts: MailFacts,
  classified: ClassifiedMail,
  secret: Buffer,
): SignalInProgress {
  const { deps, counts } = ctx;
  const { key, existing } = findRecord(deps.store, secret, message, facts);
  counts.signals += 1;
  counts.children += classified.children.length;
  if (classified.needsReview) counts.needsReview += 1;

  const now = deps.clock.now();
  let record: SignalRecord = existing ?? {
    key,
    uidValidity: message.uidValidity,
    uid: message.entry.uid,
    receivedAt: now.toISOString(),
    arrivedAt: arrivalOf(message, facts, now).toISOString(),
    notified: {},
    refused: {},
    needsReview: classified.needsReview,
    children: classified.children.length,
  };
  // The same signal found again (restored from Trash, delivered twice): only the purge is left to do.
  if (record.purgedAt) {
    const { purgedAt, purgeVerified, ...rest } = record;
    record = rest;
  }
  // Where it is now: a signal a person moved from Junk to INBOX is tracked in INBOX from here on.
  record = { ...record, folder: placeOf(message), uidValidity: message.uidValidity, uid: message.entry.uid };
  if (record.folder === undefined) delete record.folder;
  deps.store.putSignal(record);
  const { folder } = message;
  return {
    key,
    folder,
    uid: message.entry.uid,
    facts,
    classified,
    record,
    keywords: [...message.entry.flags],
    ...(message.raw ? { raw: message.raw } : {}),
    ...(message.contentDigest ? { contentDigest: message.contentDigest } : {}),
  };
}

function arrivalOf(message: ReadMessage, facts: MailFacts, foundAt: Date): Date {
  const { internalDate } = message.entry;
  return arrivalTime({
    foundAt,
    ...(internalDate ? { internalDate: new Date(internalDate) } : {}),
    ...(facts.date ? { dateHeader: new Date(facts.date) } : {}),
  });
}

/**
 * The signal's workflow row by its key (Message-ID, Subject and body), or a row under an earlier
 * key form for this very message, at the same folder, UIDVALIDITY and UID: the Message-ID and body
 * alone, or the Message-ID alone. A signal in flight at the upgrade keeps that key (and so its
 * reference, codes and our mails' Message-IDs), so it is neither lost nor notified again. A row of
 * another message under an earlier key is another signal's.
 */
function findRecord(
  store: CheckContext['deps']['store'],
  secret: Buffer,
  message: ReadMessage,
  facts: MailFacts,
): { key: string; existing?: SignalRecord } {
  const digest = message.contentDigest ?? message.bodyDigest ?? message.digest ?? '';
  const key = signalKeyOf(secret, facts.messageId, digest);
  const current = store.getSignal(key);
  if (current) return { key, existing: current };
  const earlier = [
    ...(message.bodyDigest && message.contentDigest
      ? [signalKeyOf(secret, facts.messageId, message.bodyDigest)]
      : []),
    signalKey(secret, facts.messageId, message.digest ?? ''),
  ];
  for (const legacyKey of earlier) {
    const legacy = store.getSignal(legacyKey);
    const here =
      legacy !== undefined &&
      (legacy.folder ?? 'INBOX') === message.folder &&
      legacy.uidValidity === message.uidValidity &&
      legacy.uid === message.entry.uid;
    if (here) return { key: legacyKey, existing: legacy };
  }
  return { key };
}

/** The folder a workflow row names: none for INBOX, so that rows written before \Junk still read. */
function placeOf(message: ReadMessage): string | undefined {
  return message.folder === 'INBOX' ? undefined : message.folder;
}

/**
 * The step machine: asks decide.ts for the next step and has its handler take it, until the
 * signal waits, is stuck or is done, and never more than MAX_STEPS_PER_SIGNAL times.
 */
export async function advanceSignal(
  ctx: CheckContext,
  signal: SignalInProgress,
  handlers: StepHandlers = HANDLERS,
): Promise<SignalTurn> {
  const { deps } = ctx;
  const policy = policyFor(deps.settings, signal.record, deps.clock.now());
  const mdn = mdnRecipient(signal.facts);
  // RFC 8098 2.1: a read receipt asked for another address than the sender's is not sent; say so.
  if (!mdn.send && mdn.reason && !signal.record.mdnSentAt) {
    deps.logger.warn({ step: 'mdn', reason: mdn.reason }, 'read receipt not sent: not the sender address');
  }
  const flags = { mdnRequested: mdn.send, keywords: signal.keywords };
  for (let taken = 0; taken < MAX_STEPS_PER_SIGNAL; taken += 1) {
    const now = deps.clock.now();
    const next = nextSignalStep(signal.record, flags, policy, now);
    switch (next.step) {
      case 'done':
        return { end: 'done' };
      case 'held':
        // Stays in the mailbox for a person; the next check looks for their confirmation again.
        return { end: 'done' };
      case 'wait':
        return { end: 'wait', until: next.until };
      case 'stuck':
        deps.logger.error(
          { step: 'notify', reason: next.why },
          'no contact accepted the notification; the signal stays',
        );
        return { end: 'stuck' };
      default:
        await take(handlers, next.step, next, ctx, signal, now);
    }
  }
  deps.logger.error(
    { step: 'signal', reason: 'too-many-steps', count: MAX_STEPS_PER_SIGNAL },
    'a signal took too many steps in one check; stopping',
  );
  throw new HwcError('TOO_MANY_STEPS', `a signal took more than ${MAX_STEPS_PER_SIGNAL} steps in one check`);
}

// Typed by its kind, so that the handler looked up is the one for exactly this step.
function take<K extends ActionKind>(
  handlers: StepHandlers,
  kind: K,
  step: StepOf<K>,
  ctx: CheckContext,
  signal: SignalInProgress,
  now: Date,
): Promise<void> {
  return handlers[kind](ctx, signal, step, now);
}
