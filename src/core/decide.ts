import type { ClassifiedMail, MailFacts } from './types.js';
import type { ContactRole, SetAsideReason } from './compose.js';
import { findOwnMessageRef, findReference, type OwnMessageRef } from './identity.js';

/** IMAP keywords (RFC 3501 2.3.2) that make each side effect safe to repeat after a crash. */
export const KEYWORD = {
  /** Left for a person, and the alert about it was accepted by SMTP: never alert again. */
  setAside: '$HwcSetAside',
  /** RFC 3503 / RFC 8098 5: an MDN was sent for this message; never send another. */
  mdnSent: '$MDNSent',
  /** Our acknowledgement to the sender was accepted by SMTP. */
  acknowledged: '$HwcAcknowledged',
} as const;

export type MessageDecision =
  | { action: 'skip' }
  | { action: 'set-aside'; reason: SetAsideReason }
  | { action: 'signal'; classified: ClassifiedMail }
  | { action: 'confirmation'; role: ContactRole; ref?: OwnMessageRef; reference?: string }
  | { action: 'quiet'; category: 'bounce' | 'auto-reply' };

export interface MessageEvidence {
  flags: string[];
  /** Present when the message was read and parsed; absent for one that is too big or unreadable. */
  facts?: MailFacts;
  failure?: 'too-big' | 'unreadable';
  classified?: ClassifiedMail;
  trusted?: boolean;
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
    const aboutUs = threadRef ?? findOwnMessageRef(`${facts.text}\n${facts.html ?? ''}`);
    if (aboutUs) {
      return {
        action: 'quiet',
        category: classified.category === 'auto-reply' ? 'auto-reply' : 'bounce',
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

/** The workflow of one signal as the state store holds it: times and roles, never content. */
export interface SignalProgress {
  notified: Partial<Record<ContactRole, string>>;
  refused: Partial<Record<ContactRole, string>>;
  acknowledgedAt?: string;
  mdnSentAt?: string;
  purgedAt?: string;
}

export type SignalStep =
  | { step: 'notify'; role: ContactRole }
  | { step: 'acknowledge' }
  | { step: 'mdn' }
  | { step: 'purge' }
  | { step: 'stuck'; why: 'no-contact-reachable' }
  | { step: 'done' };

export interface SignalFlags {
  mdnRequested: boolean;
  keywords: string[];
}

/**
 * The next side effect for a signal. Every step is guarded by the state and, where the server
 * can carry it, by an IMAP keyword, so a check that died half-way repeats at most the one step
 * it was in. The purge comes last: never before a contact's notification and the acknowledgement
 * were accepted by SMTP.
 */
export function nextSignalStep(progress: SignalProgress, flags: SignalFlags): SignalStep {
  if (progress.purgedAt) return { step: 'done' };
  for (const role of ['primary', 'backup'] as const) {
    if (!progress.notified[role] && !progress.refused[role]) return { step: 'notify', role };
  }
  if (!progress.notified.primary && !progress.notified.backup) {
    return { step: 'stuck', why: 'no-contact-reachable' };
  }
  if (!progress.acknowledgedAt && !flags.keywords.includes(KEYWORD.acknowledged)) {
    return { step: 'acknowledge' };
  }
  if (flags.mdnRequested && !progress.mdnSentAt && !flags.keywords.includes(KEYWORD.mdnSent)) {
    return { step: 'mdn' };
  }
  return { step: 'purge' };
}
