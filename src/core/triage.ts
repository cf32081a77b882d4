import type { InboxEntry } from './ports.js';
import { KEYWORD } from './decide.js';
import { isListedSender } from './trust.js';

/** A listed message and where it was found, before anything of its content was downloaded. */
export interface TriageCandidate {
  folder: string;
  uidValidity: string;
  entry: InboxEntry;
}

export interface TriagePolicy {
  senders: string[];
  /** The contacts' addresses: their replies confirm a signal and change what is due. */
  contacts: string[];
  /** The most messages whose content one check downloads (maxMessagesPerCheck). */
  limit: number;
}

export interface TriagePlan {
  /** To download and decide on, in this order: signals first. */
  read: TriageCandidate[];
  /**
   * How many of `read`, from its start, are from a trusted sender or change what is due for a
   * signal (a reply, a bounce): the check acts on these before it reads the rest.
   */
  urgent: number;
  /** Already set aside for a person (the alert was sent): never read again. */
  skipped: TriageCandidate[];
  /** Over the limit: left for the next check, untouched. */
  deferred: number;
}

// Delivery reports name no contact in From; a bounce of a notification must escalate early.
const BOUNCE_SENDER = /^(mailer-daemon|postmaster)@/;

/**
 * 0: from a trusted sender (a signal, perhaps); 1: a reply or bounce that changes what is due for
 * a signal; 2: anything else. On the envelope's From only: what a message is, and whether its
 * sender is trusted, is still decided on the parsed message.
 */
function rankOf(entry: InboxEntry, policy: TriagePolicy): number {
  const from = entry.from ?? [];
  if (from.some((address) => isListedSender(address, policy.senders))) return 0;
  const contacts = policy.contacts.map((address) => address.toLowerCase());
  if (from.length === 0 || from.some((a) => contacts.includes(a) || BOUNCE_SENDER.test(a))) return 1;
  return 2;
}

/**
 * Which messages one check reads, and in what order, so that a flood of junk costs time but
 * never the signal: mail from trusted senders first, then replies and bounces, then the rest,
 * each oldest first (INBOX before other folders), and never more than `limit` of them. Outside
 * INBOX (the \Junk folder, where spam filters file real mail too) only mail whose From is a
 * trusted sender is a candidate at all; everything else there is not ours to touch.
 */
export function triage(candidates: TriageCandidate[], policy: TriagePolicy): TriagePlan {
  const skipped: TriageCandidate[] = [];
  const ranked: { candidate: TriageCandidate; rank: number }[] = [];
  for (const candidate of candidates) {
    const rank = rankOf(candidate.entry, policy);
    const inbox = candidate.folder === 'INBOX';
    if (!inbox && rank !== 0) continue;
    if (candidate.entry.flags.includes(KEYWORD.setAside)) skipped.push(candidate);
    else ranked.push({ candidate, rank });
  }
  ranked.sort(
    (a, b) =>
      a.rank - b.rank ||
      Number(a.candidate.folder !== 'INBOX') - Number(b.candidate.folder !== 'INBOX') ||
      a.candidate.entry.uid - b.candidate.entry.uid,
  );
  const limit = Math.max(1, Math.floor(policy.limit));
  const read = ranked.slice(0, limit);
  return {
    read: read.map((r) => r.candidate),
    urgent: read.filter((r) => r.rank < 2).length,
    skipped,
    deferred: Math.max(0, ranked.length - limit),
  };
}
