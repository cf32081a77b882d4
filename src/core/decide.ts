import type { ClassifiedMail, MailFacts } from './types.js';
import type { ContactRole, DeliverMode, EscalationReason, NotifyMode, SetAsideReason } from './vocabulary.js';
import {
  containsCode,
  findOwnMail,
  findReference,
  looksOwn,
  type OwnMailIndex,
  type OwnMailRef,
} from './identity.js';
import { authenticatedDomainFail, authenticatedDomainPass, countAddresses } from './trust.js';
import { htmlToText } from './recognise/html-text.js';
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

/** A bounce of one contact's notification, in the structure of a real DSN. */
export interface BounceClaim {
  key: string;
  role: ContactRole;
  /** An aligned pass from the trusted server for the bounce's own domain, which is the contact's. */
  authenticated: boolean;
}

export type MessageDecision =
  | { action: 'skip' }
  | { action: 'set-aside'; reason: SetAsideReason }
  | { action: 'signal'; classified: ClassifiedMail }
  | { action: 'confirmation'; role: ContactRole; key: string; proof: 'code' | 'authenticated' }
  | {
      action: 'quiet';
      category: 'bounce' | 'auto-reply';
      bounce?: BounceClaim;
      /** An absence reply from the primary contact's address to the primary's notification. */
      outOfOffice?: { key: string };
    }
  /** A secure-mail notice from a trusted sender: left in place, a person told at once to open it. */
  | { action: 'secure-notice' };

export interface MessageEvidence {
  flags: string[];
  /** Present when the message was read and parsed; absent for one that is too big or unreadable. */
  facts?: MailFacts;
  failure?: 'too-big' | 'unreadable' | 'too-deeply-nested';
  classified?: ClassifiedMail;
  trusted?: boolean;
  /** One of our known mails named anywhere in the raw message (a bounce returns our headers). */
  embeddedRef?: OwnMailRef;
  contacts: Record<ContactRole, string>;
  ownAddress: string;
  /** Our mails about the signals we know, and the confirmation code each contact was sent. */
  own: OwnMailIndex;
  /** The school's receiving server, whose Authentication-Results can prove who sent a reply. */
  trustedAuthservId?: string;
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
  const { facts, classified, own } = evidence;
  if (!facts || !classified) return { action: 'set-aside', reason: 'unreadable' };

  const from = facts.fromAddress?.toLowerCase();
  // Our own mail delivered back to us (a contact who is also the HwC address, a loop): leave it.
  if (from && from === evidence.ownAddress.toLowerCase() && looksOwn(facts.messageId ?? '', own.domain)) {
    return { action: 'skip' };
  }

  const thread = [facts.inReplyTo ?? '', ...facts.references].join(' ');
  const threadRef = findOwnMail(thread, own);
  const inOurThread = threadRef !== undefined || looksOwn(thread, own.domain);
  const decided = QUIET_CATEGORIES.has(classified.category)
    ? decideMachineMail(evidence, facts, classified, threadRef)
    : decideReply(evidence, facts, threadRef, inOurThread);
  if (decided) return decided;

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

const roleOfKind = (ref: OwnMailRef): ContactRole | undefined =>
  ref.kind === 'notify-primary' ? 'primary' : ref.kind === 'notify-backup' ? 'backup' : undefined;

/**
 * A bounce, delivery report or auto-reply about one of our mails. Only a failed DSN (RFC 3464) for
 * the very contact whose notification it names is a bounce claim; anything else about a
 * notification that says it bounced is left for a person, and nothing in it changes a signal.
 */
function decideMachineMail(
  evidence: MessageEvidence,
  facts: MailFacts,
  classified: ClassifiedMail,
  threadRef: OwnMailRef | undefined,
): MessageDecision | undefined {
  const aboutUs =
    threadRef ?? evidence.embeddedRef ?? findOwnMail(`${facts.text}\n${facts.html ?? ''}`, evidence.own);
  if (!aboutUs) return undefined;
  const role = roleOfKind(aboutUs);
  if (classified.category === 'auto-reply') {
    // Anyone can write such a reply, but it can only make hwc tell the backup sooner: more people, never fewer.
    const fromPrimary = facts.fromAddress?.toLowerCase() === evidence.contacts.primary.toLowerCase();
    return role === 'primary' && fromPrimary
      ? { action: 'quiet', category: 'auto-reply', outOfOffice: { key: aboutUs.key } }
      : { action: 'quiet', category: 'auto-reply' };
  }
  if (classified.category !== 'bounce' || !role) return { action: 'quiet', category: 'bounce' };
  const contact = evidence.contacts[role].toLowerCase();
  if (!dsnFailedFor(facts, contact)) return { action: 'set-aside', reason: 'unexpected-reply' };
  const authenticated = bounceAuthenticated(facts, evidence.trustedAuthservId, contact);
  return { action: 'quiet', category: 'bounce', bounce: { key: aboutUs.key, role, authenticated } };
}

/** RFC 3464 2.3: a per-recipient group with Action: failed for exactly this address. */
export function dsnFailedFor(facts: MailFacts, address: string): boolean {
  if (facts.contentType !== 'multipart/report' || facts.reportType !== 'delivery-status') return false;
  return (facts.deliveryStatus ?? []).some(
    (recipient) => recipient.action === 'failed' && recipient.finalRecipient === address.toLowerCase(),
  );
}

const domainOf = (address: string): string => address.slice(address.lastIndexOf('@') + 1).toLowerCase();
const related = (a: string, b: string): boolean => a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);

/** The bounce comes, with an aligned pass from the trusted server, from the contact's own domain. */
function bounceAuthenticated(facts: MailFacts, authservId: string | undefined, contact: string): boolean {
  const from = facts.fromAddress;
  if (!authservId || !from) return false;
  const domain = domainOf(from);
  return related(domain, domainOf(contact)) && authenticatedDomainPass(facts, authservId, domain);
}

/**
 * A reply in the thread of our mail, or with a reference in its subject. It counts as a
 * confirmation only from a contact, about a notification we know, and with proof that the contact
 * wrote it: their code from the notification's body (a quoting reply carries it), or an aligned
 * DKIM/DMARC pass from the trusted server. Anything else about our mail goes to a person.
 */
function decideReply(
  evidence: MessageEvidence,
  facts: MailFacts,
  threadRef: OwnMailRef | undefined,
  inOurThread: boolean,
): MessageDecision | undefined {
  const reference = findReference(facts.subject);
  if (!inOurThread && !reference) return undefined;
  const from = facts.fromAddress?.toLowerCase();
  const role = roleOf(from, evidence.contacts);
  const notifyRef = threadRef && roleOfKind(threadRef) ? threadRef : undefined;
  if (role && from && (threadRef === undefined || notifyRef)) {
    const key = notifyRef?.key ?? (reference ? evidence.own.byReference.get(reference) : undefined);
    const code = key ? evidence.own.codes.get(key)?.[role] : undefined;
    const proof = key ? replyProof(facts, code, evidence.trustedAuthservId, from) : undefined;
    if (key && proof) return { action: 'confirmation', role, key, proof };
    return { action: 'set-aside', reason: 'unexpected-reply' };
  }
  if (inOurThread) return { action: 'set-aside', reason: 'unexpected-reply' };
  return undefined;
}

/** What proves that the contact wrote this reply, if anything. */
export function replyProof(
  facts: MailFacts,
  code: string | undefined,
  authservId: string | undefined,
  from: string,
): 'code' | 'authenticated' | undefined {
  // The school's own server says this mail is not from the contact's domain: nothing outweighs that.
  if (authservId && authenticatedDomainFail(facts, authservId, domainOf(from))) return undefined;
  if (code !== undefined) {
    const html = facts.html ? htmlToText(facts.html) : '';
    if (containsCode(`${facts.subject}\n${facts.text}\n${html}`, code)) return 'code';
  }
  if (authservId && authenticatedDomainPass(facts, authservId, domainOf(from))) return 'authenticated';
  return undefined;
}

function roleOf(address: string | undefined, contacts: Record<ContactRole, string>): ContactRole | undefined {
  if (!address) return undefined;
  if (address === contacts.primary.toLowerCase()) return 'primary';
  if (address === contacts.backup.toLowerCase()) return 'backup';
  return undefined;
}

const bareAddress = (value: string): string => value.trim().replace(/^<|>$/g, '').trim().toLowerCase();

/**
 * RFC 8098 2.1: an MDN is sent automatically only to the address the message came from. Here that
 * means one Disposition-Notification-To address, equal to the From address and, where the
 * delivering server recorded one, to the Return-Path (the envelope sender); otherwise none is sent.
 */
export function mdnRecipient(
  facts: MailFacts,
): { send: true; to: string } | { send: false; reason?: 'mdn-address-mismatch' } {
  const to = facts.dispositionNotificationTo?.toLowerCase();
  if (!to) return { send: false };
  const mismatch = { send: false, reason: 'mdn-address-mismatch' } as const;
  const raw = facts.headers['disposition-notification-to'];
  if (raw !== undefined && countAddresses(raw) !== 1) return mismatch;
  if (to !== facts.fromAddress?.toLowerCase()) return mismatch;
  const returnPath = facts.headers['return-path'];
  if (returnPath !== undefined && (countAddresses(returnPath) !== 1 || bareAddress(returnPath) !== to)) {
    return mismatch;
  }
  return { send: true, to };
}

/** The part of a signal's workflow row that decides its next step: times and roles, never content. */
export type SignalProgress = Pick<
  SignalRecord,
  | 'receivedAt'
  | 'notified'
  | 'refused'
  | 'outOfOfficeAt'
  | 'acknowledgedAt'
  | 'mdnSentAt'
  | 'confirmedAt'
  | 'reminderSentAt'
  | 'purgedAt'
  | 'handedOnAt'
  | 'heldAt'
  | 'revealedAt'
  | 'confirmedBy'
  | 'confirmedNoticesAt'
>;

export interface SignalPolicy {
  mode: NotifyMode;
  escalateAfterMs: number;
  purgeAfterMs: number;
  /** The first school-day deadline (schedule.deadline) at or after the signal was received. */
  deadline: Date;
  primaryAbsent: boolean;
  /** `link`: the notifications hold no child data, so only a confirmation (or purgeAfter) ends the wait. */
  deliver?: DeliverMode;
}

export type SignalStep =
  | { step: 'notify'; role: ContactRole; escalation?: EscalationReason }
  | { step: 'acknowledge' }
  | { step: 'mdn' }
  | { step: 'remind' }
  | {
      step: 'purge';
      why: 'handled' | 'confirmed' | 'escalation-complete' | 'hard-limit';
      /** Link mode: the thanks after a page confirm is still owed past purgeAfter: dropped, not waited for. */
      thanksDropped?: true;
    }
  /** Link mode: the thanks and the other contact's notice after a confirmation on the page. */
  | { step: 'thank'; role: ContactRole }
  | { step: 'wait'; until: Date }
  | { step: 'stuck'; why: 'no-contact-reachable' }
  /** Held (its original could not travel): nothing to do until a contact confirms; never purged unseen. */
  | { step: 'held' }
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
 * when the primary is absent today, cannot be reached, answered with an absence reply, has not
 * confirmed within escalateAfter, or the deadline passed. The signal stays in the mailbox until someone confirms or the escalation is
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
  const pastHardLimit = t >= at(progress.receivedAt) + policy.purgeAfterMs;
  const thanksOwed =
    policy.deliver === 'link' &&
    Boolean(progress.confirmedAt && progress.confirmedBy) &&
    !progress.confirmedNoticesAt;
  // The page has no mailer: the check that follows a page confirm sends its notices, before the
  // purge. Past purgeAfter they are dropped: content-free courtesy never keeps a child's data.
  if (thanksOwed && progress.confirmedBy && !pastHardLimit) {
    return { step: 'thank', role: progress.confirmedBy };
  }
  const confirmed = Boolean(progress.confirmedAt);
  const open = (role: ContactRole): boolean => !progress.notified[role] && !progress.refused[role];
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
  // A held signal reached a person only as "read it in the mailbox": only a confirmation ends it.
  // Once confirmed, it is purged as confirmed, however late: the hard limit never applied to it.
  const held = Boolean(progress.heldAt) && !confirmed;
  // Link mode: an accepted notification carries no child, so only a recorded reveal on the page
  // means that a person saw the signal; before that, the hard limit never purges it.
  const unseen = policy.deliver === 'link' && !progress.revealedAt;
  // A confirmed signal is never an unconfirmed purge: it goes on to the purge as confirmed below.
  if (pastHardLimit && !confirmed && !progress.heldAt && !unseen) return { step: 'purge', why: 'hard-limit' };
  if (!notifiedAnyone) {
    if (pastHardLimit) return { step: 'held' };
    return { step: 'wait', until: new Date(at(progress.receivedAt) + policy.purgeAfterMs) };
  }
  if (policy.deliver === 'link')
    return linkStep(progress, policy, t, pastDeadline, held || unseen, thanksOwed);
  if (confirmed) return { step: 'purge', why: 'confirmed' };
  // notify: both holds every signal whose notification needed the original (notify-original.ts),
  // so "both were told" purges only a signal whose notification's body named every child.
  if (policy.mode === 'both' && !held) return { step: 'purge', why: 'handled' };
  if (pastDeadline && !progress.reminderSentAt) return { step: 'remind' };
  // The escalation is complete when the backup was told, or SMTP refused the backup outright. A
  // bounce of a notification that was sent (refused after notified) keeps the signal here: a
  // bounce can only make hwc wait longer or tell more people, never fewer.
  const backupDone = progress.notified.backup ? !progress.refused.backup : Boolean(progress.refused.backup);
  if (backupDone && progress.reminderSentAt && !held) return { step: 'purge', why: 'escalation-complete' };

  const due = [at(progress.receivedAt) + policy.purgeAfterMs, policy.deadline.getTime()];
  if (progress.notified.primary && !backupDone)
    due.push(at(progress.notified.primary) + policy.escalateAfterMs);
  const future = due.filter((d) => d > t);
  if (held && future.length === 0) return { step: 'held' };
  return { step: 'wait', until: new Date(Math.min(...future)) };
}

/**
 * Link mode: a notification only points to the page, so neither "told both" nor "escalation
 * complete" means that a person saw the child's name; the signal stays until someone confirms on
 * the page (or by reply), and otherwise until purgeAfter, with the reminder at the deadline. Past
 * purgeAfter a signal nobody revealed stays, like a held one (`held` here means either).
 */
function linkStep(
  progress: SignalProgress,
  policy: SignalPolicy,
  t: number,
  pastDeadline: boolean,
  held: boolean,
  thanksOwed: boolean,
): SignalStep {
  if (progress.confirmedAt) {
    // Still owed here only past purgeAfter (nextSignalStep sends it before): the handler says so.
    return { step: 'purge', why: 'confirmed', ...(thanksOwed ? { thanksDropped: true } : {}) };
  }
  if (pastDeadline && !progress.reminderSentAt) return { step: 'remind' };
  const due = [at(progress.receivedAt) + policy.purgeAfterMs, policy.deadline.getTime()];
  const backupOpen = !progress.notified.backup && !progress.refused.backup;
  if (policy.mode === 'escalate' && progress.notified.primary && backupOpen)
    due.push(at(progress.notified.primary) + policy.escalateAfterMs);
  const future = due.filter((d) => d > t);
  // Past purgeAfter only a held or never revealed signal is still here (the hard limit purged any other).
  if (held && future.length === 0) return { step: 'held' };
  return { step: 'wait', until: new Date(Math.min(...future)) };
}

function escalationReason(
  progress: SignalProgress,
  policy: SignalPolicy,
  t: number,
  pastDeadline: boolean,
): EscalationReason | undefined {
  if (policy.primaryAbsent) return 'absent';
  if (progress.refused.primary) return 'unreachable';
  // The primary's own word on the link page goes before an automatic absence reply.
  if (progress.handedOnAt) return 'handed-on';
  if (progress.outOfOfficeAt) return 'out-of-office';
  if (progress.notified.primary && t >= at(progress.notified.primary) + policy.escalateAfterMs) {
    return 'no-confirmation';
  }
  if (pastDeadline) return 'deadline';
  return undefined;
}
