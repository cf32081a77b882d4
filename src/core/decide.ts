import type { ClassifiedMail, MailFacts } from './types.js';
import type { ContactRole, EscalationReason, NotifyMode, SetAsideReason } from './vocabulary.js';
import { findOwnMessageRef, findReference, type OwnMessageRef } from './identity.js';
import type { SignalRecord } from './ports.js';

/** IMAP keywords (RFC 3501 2.3.2) that make each side effect safe to repeat after a crash. */
export const KEYWORD = {
  /** Left for a person, and the alert about it was accepted by SMTP: never alert again. */
  setAside: '$HwcSetAside',
  /** RFC 3503 / RFC 8098 5: an MDN was sent for this message; never send another. */
  mdnSent: '$MDNSent',
  /** Our acknowledgement to the sender was accepted by SMTP. */
  acknowledged: '$HwcAcknowledged',
  /** A secure-mail notice, and the urgent alert about it was accepted by SMTP: never alert again. */
  secureNotice: '$HwcSecureNotice',
} as const;

export type MessageDecision =
  | { action: 'skip' }
  | { action: 'set-aside'; reason: SetAsideReason }
  | { action: 'signal'; classified: ClassifiedMail }
  | { action: 'confirmation'; role: ContactRole; ref?: OwnMessageRef; reference?: string }
  | { action: 'quiet'; category: 'bounce' | 'auto-reply'; ref?: OwnMessageRef }
  /** A secure-mail notice from a trusted sender: left in place, a person told at once to open it. */
  | { action: 'secure-notice' };

export interface MessageEvidence {
  flags: string[];
  /** Present when the message was read and parsed; absent for one that is too big or unreadable. */
  facts?: MailFacts;
  failure?: 'too-big' | 'unreadable';
  classified?: ClassifiedMail;
  trusted?: boolean;
  /** One of our Message-IDs found anywhere in the raw message (a bounce returns our headers). */
  embeddedRef?: OwnMessageRef;
  contacts: Record<ContactRole, string>;
  ownAddress: string;
}

const QUIET_CATEGORIES = new Set(['bounce', 'delivery-report', 'auto-reply', 'read-receipt']);

/**
 * What to do with one INBOX message. The order matters: a message already set aside is never
 * looked at again; anything we cannot read safely goes to a person; replies and bounces of our
 * own mail are recognised before content, because they quote a child's data and would otherwise
 * look like a signal from an unknown sender.
 */
export function decideMessage(evidence: MessageEvidence): MessageDecision {
  if (evidence.flags.includes(KEYWORD.setAside)) return { action: 'skip' };
  if (evidence.flags.includes(KEYWORD.secureNotice)) return { action: 'skip' };
  if (evidence.failure) return { action: 'set-aside', reason: evidence.failure };
  const { facts, classified } = evidence;
  if (!facts || !classified) return { action: 'set-aside', reason: 'unreadable' };

  const from = facts.fromAddress?.toLowerCase();
  // Our own mail delivered back to us (a contact who is also the HwC address, a loop): leave it.
  if (from && from === evidence.ownAddress.toLowerCase() && findOwnMessageRef(facts.messageId ?? '')) {
    return { action: 'skip' };
  }

  const threadRef = findOwnMessageRef([facts.inReplyTo ?? '', ...facts.references].join(' '));
  const subjectRef = findReference(facts.subject);
  const isQuietKind = QUIET_CATEGORIES.has(classified.category);

  if (isQuietKind) {
    // A bounce or auto-reply names our Message-ID in its headers or in the returned message.
    const aboutUs =
      threadRef ?? evidence.embeddedRef ?? findOwnMessageRef(`${facts.text}\n${facts.html ?? ''}`);
    if (aboutUs) {
      return {
        action: 'quiet',
        category: classified.category === 'auto-reply' ? 'auto-reply' : 'bounce',
        ref: aboutUs,
      };
    }
  } else if (threadRef || subjectRef) {
    const role = roleOf(from, evidence.contacts);
    if (role && (threadRef === undefined || threadRef.kind.startsWith('notify'))) {
      return {
        action: 'confirmation',
        role,
        ...(threadRef ? { ref: threadRef } : {}),
        ...(subjectRef ? { reference: subjectRef } : {}),
      };
    }
    if (threadRef) return { action: 'set-aside', reason: 'unexpected-reply' };
  }

  // Never acknowledged, never purged. From an unknown sender it may be phishing: the usual alert.
  if (classified.kind === 'secure-notice') {
    return evidence.trusted
      ? { action: 'secure-notice' }
      : { action: 'set-aside', reason: 'untrusted-sender' };
  }
  if (classified.kind === 'signal') {
    return evidence.trusted
      ? { action: 'signal', classified }
      : { action: 'set-aside', reason: 'untrusted-sender' };
  }
  return { action: 'set-aside', reason: 'not-a-signal' };
}

function roleOf(address: string | undefined, contacts: Record<ContactRole, string>): ContactRole | undefined {
  if (!address) return undefined;
  if (address === contacts.primary.toLowerCase()) return 'primary';
  if (address === contacts.backup.toLowerCase()) return 'backup';
  return undefined;
}

/** The part of a signal's workflow row that decides its next step: times and roles, never content. */
export type SignalProgress = Pick<
  SignalRecord,
  | 'receivedAt'
  | 'notified'
  | 'refused'
  | 'acknowledgedAt'
  | 'mdnSentAt'
  | 'confirmedAt'
  | 'reminderSentAt'
  | 'purgedAt'
>;

export interface SignalPolicy {
  mode: NotifyMode;
  escalateAfterMs: number;
  purgeAfterMs: number;
  /** The first school-day deadline (schedule.deadline) at or after the signal was received. */
  deadline: Date;
  primaryAbsent: boolean;
}

export type SignalStep =
  | { step: 'notify'; role: ContactRole; escalation?: EscalationReason }
  | { step: 'acknowledge' }
  | { step: 'mdn' }
  | { step: 'remind' }
  | { step: 'purge'; why: 'handled' | 'confirmed' | 'escalation-complete' | 'hard-limit' }
  | { step: 'wait'; until: Date }
  | { step: 'stuck'; why: 'no-contact-reachable' }
  | { step: 'done' };

export interface SignalFlags {
  mdnRequested: boolean;
  keywords: string[];
}

const at = (iso: string | undefined): number => (iso ? Date.parse(iso) : Number.NaN);

/**
 * The next side effect for a signal, given its progress and the time. Every step is guarded by
 * the state and, where the server can carry it, by an IMAP keyword, so a check that died half-way
 * repeats at most the one step it was in. The purge comes last: never before a contact's
 * notification and the acknowledgement were accepted by SMTP.
 *
 * With `escalate`, the primary contact is told first; the backup is told, with the same content,
 * when the primary is absent today, cannot be reached, has not confirmed within escalateAfter, or
 * the deadline passed. The signal stays in the mailbox until someone confirms or the escalation is
 * complete (the backup was told and the deadline reminder went out), and never past purgeAfter.
 */
export function nextSignalStep(
  progress: SignalProgress,
  flags: SignalFlags,
  policy: SignalPolicy,
  now: Date,
): SignalStep {
  if (progress.purgedAt) return { step: 'done' };
  const t = now.getTime();
  const confirmed = Boolean(progress.confirmedAt);
  const open = (role: ContactRole): boolean => !progress.notified[role] && !progress.refused[role];
  const pastHardLimit = t >= at(progress.receivedAt) + policy.purgeAfterMs;
  const pastDeadline = t >= policy.deadline.getTime();

  if (policy.mode === 'both') {
    if (open('primary') && !policy.primaryAbsent) return { step: 'notify', role: 'primary' };
    if (open('backup')) return { step: 'notify', role: 'backup' };
  } else if (!confirmed) {
    if (open('primary') && !policy.primaryAbsent) return { step: 'notify', role: 'primary' };
    const escalation = escalationReason(progress, policy, t, pastDeadline);
    if (escalation && open('backup')) return { step: 'notify', role: 'backup', escalation };
  }

  const notifiedAnyone = Boolean(progress.notified.primary || progress.notified.backup);
  if (!notifiedAnyone) {
    if (!open('primary') && !open('backup')) return { step: 'stuck', why: 'no-contact-reachable' };
    if (policy.primaryAbsent && !open('backup')) return { step: 'stuck', why: 'no-contact-reachable' };
  }
  if (notifiedAnyone) {
    if (!progress.acknowledgedAt && !flags.keywords.includes(KEYWORD.acknowledged))
      return { step: 'acknowledge' };
    if (flags.mdnRequested && !progress.mdnSentAt && !flags.keywords.includes(KEYWORD.mdnSent)) {
      return { step: 'mdn' };
    }
  }
  if (pastHardLimit) return { step: 'purge', why: 'hard-limit' };
  if (!notifiedAnyone)
    return { step: 'wait', until: new Date(at(progress.receivedAt) + policy.purgeAfterMs) };
  if (policy.mode === 'both') return { step: 'purge', why: 'handled' };
  if (confirmed) return { step: 'purge', why: 'confirmed' };
  if (pastDeadline && !progress.reminderSentAt) return { step: 'remind' };
  const backupDone = Boolean(progress.notified.backup || progress.refused.backup);
  if (backupDone && progress.reminderSentAt) return { step: 'purge', why: 'escalation-complete' };

  const due = [at(progress.receivedAt) + policy.purgeAfterMs, policy.deadline.getTime()];
  if (progress.notified.primary && !backupDone)
    due.push(at(progress.notified.primary) + policy.escalateAfterMs);
  return { step: 'wait', until: new Date(Math.min(...due.filter((d) => d > t))) };
}

function escalationReason(
  progress: SignalProgress,
  policy: SignalPolicy,
  t: number,
  pastDeadline: boolean,
): EscalationReason | undefined {
  if (policy.primaryAbsent) return 'absent';
  if (progress.refused.primary) return 'unreachable';
  if (progress.notified.primary && t >= at(progress.notified.primary) + policy.escalateAfterMs) {
    return 'no-confirmation';
  }
  if (pastDeadline) return 'deadline';
  return undefined;
}
