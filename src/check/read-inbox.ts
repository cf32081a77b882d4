import { createHash } from 'node:crypto';
import type { Mailbox } from '../core/ports.js';
import { assessTrust } from '../core/trust.js';
import { decideMessage, type MessageDecision, type MessageEvidence } from '../core/decide.js';
import { findOwnMail } from '../core/identity.js';
import { domainOf } from '../core/compose.js';
import { triage, type TriageCandidate, type TriagePlan } from '../core/triage.js';
import { localDate } from '../core/schedule.js';
import type { CheckDeps, ReadMessage } from './context.js';
import { ownMailIndex } from './confirmations.js';
import { SourceBatches } from './source-batches.js';
import { bodyDigest, contentDigest } from './body-digest.js';

/**
 * Lists INBOX and \Junk on their headers only (one FETCH of UID, FLAGS, RFC822.SIZE and ENVELOPE
 * each) and chooses what this check reads, and in what order: at most maxMessagesPerCheck, mail
 * from trusted senders first. Nothing is downloaded or changed here.
 */
export async function triageInbox(deps: CheckDeps, mailbox: Mailbox): Promise<TriagePlan> {
  const { settings } = deps;
  const plan = triage(await listCandidates(mailbox), {
    senders: settings.senders,
    contacts: [settings.contacts.primary.email, settings.contacts.backup.email],
    limit: settings.maxMessagesPerCheck,
  });
  if (plan.deferred > 0) {
    deps.logger.warn(
      { step: 'triage', count: plan.deferred },
      'more messages than maxMessagesPerCheck; the rest wait for the next check',
    );
  }
  return plan;
}

/**
 * Reads these messages and decides what each is. Nothing is changed here; a message that is too
 * big or cannot be read is decided on without its content.
 */
export async function readMessages(
  deps: CheckDeps,
  mailbox: Mailbox,
  candidates: TriageCandidate[],
  now: Date,
): Promise<ReadMessage[]> {
  const { settings } = deps;
  const today = localDate(now, settings.timezone);
  const contacts = { primary: settings.contacts.primary.email, backup: settings.contacts.backup.email };
  const messages: ReadMessage[] = [];
  const own = ownMailIndex(deps, domainOf(settings.from.address));
  const authserv = settings.trustedAuthservId ? { trustedAuthservId: settings.trustedAuthservId } : {};
  const inboxCopies = new Set<string>();
  const sources = new SourceBatches(mailbox, candidates, settings.maxMessageBytes);
  for (const candidate of candidates) {
    const base = {
      flags: candidate.entry.flags,
      contacts,
      ownAddress: settings.from.address,
      own,
      ...authserv,
    };
    const { message, copyKey } = await readMessage(deps, sources, candidate, base, today);
    if (candidate.folder === 'INBOX') {
      if (copyKey) inboxCopies.add(copyKey);
      messages.push(message);
    } else {
      // A copy in Junk of a signal that is also in INBOX is that signal: the INBOX copy is handled,
      // and its purge removes this one too. Same Message-ID and same body, not the Message-ID alone.
      messages.push(copyKey && inboxCopies.has(copyKey) ? skip(message) : asJunk(message));
    }
  }
  deps.logger.info({ step: 'fetch', count: messages.length }, 'read the inbox');
  return messages;
}

function skip(message: ReadMessage): ReadMessage {
  const decision: MessageDecision = { action: 'skip' };
  return { ...message, decision };
}

/** Messages already set aside for a person: known without reading them. */
export function skippedMessages(plan: TriagePlan): ReadMessage[] {
  return plan.skipped.map((candidate) => ({ ...candidate, decision: { action: 'skip' } }));
}

/** INBOX whole, and \Junk too (a spam filter files real signals there): headers only. */
async function listCandidates(mailbox: Mailbox): Promise<TriageCandidate[]> {
  const folders = ['INBOX'];
  const junk = mailbox.folders.junk;
  if (junk && junk.toUpperCase() !== 'INBOX') folders.push(junk);
  const candidates: TriageCandidate[] = [];
  for (const folder of folders) {
    const { uidValidity, entries } = await mailbox.listHeaders(folder);
    for (const entry of entries) candidates.push({ folder, uidValidity, entry });
  }
  return candidates;
}

/**
 * In \Junk only a signal is acted on, or a message from a trusted sender that a person should
 * look at (set aside, as in INBOX: unauthenticated mail may make hwc tell more people). Replies
 * and bounces there are not removed: Junk is not ours to empty.
 */
function asJunk(message: ReadMessage): ReadMessage {
  const { action } = message.decision;
  if (action === 'signal' || action === 'set-aside' || action === 'skip') return message;
  return skip(message);
}

type Evidence = Pick<MessageEvidence, 'flags' | 'contacts' | 'ownAddress' | 'own' | 'trustedAuthservId'>;

async function readMessage(
  deps: CheckDeps,
  sources: SourceBatches,
  candidate: TriageCandidate,
  base: Evidence,
  today: string,
): Promise<{ message: ReadMessage; copyKey?: string }> {
  const { settings } = deps;
  const { entry } = candidate;
  // The size limit is applied before anything is downloaded or parsed.
  if (entry.size > settings.maxMessageBytes) {
    return { message: { ...candidate, decision: decideMessage({ ...base, failure: 'too-big' }) } };
  }
  const raw = await sources.source(candidate);
  const parsed = raw ? await deps.parser.parse(raw, settings.maxMessageBytes) : undefined;
  if (!raw || !parsed?.ok) {
    const reason = parsed && !parsed.ok ? parsed.reason : undefined;
    const failure = reason === 'too-big' || reason === 'too-deeply-nested' ? reason : ('unreadable' as const);
    return { message: { ...candidate, decision: decideMessage({ ...base, failure }) } };
  }
  const facts = parsed.facts;
  // Loaded at the first message a check reads: an empty check never classifies (README, Performance).
  const { classify } = await import('../core/classify.js');
  const classified = classify(facts, { today });
  const trust = assessTrust(facts, {
    senders: settings.senders,
    ...(settings.trustedAuthservId ? { trustedAuthservId: settings.trustedAuthservId } : {}),
    ...(settings.receivingServer ? { receivingServer: settings.receivingServer } : {}),
  });
  const embeddedRef = findOwnMail(raw.toString('latin1'), base.own);
  const decision = decideMessage({
    ...base,
    facts,
    classified,
    trusted: trust.trusted,
    ...(embeddedRef ? { embeddedRef } : {}),
  });
  const digest = createHash('sha256').update(raw).digest('hex');
  const content = contentDigest(raw);
  // The raw bytes of a signal stay in memory for this check only: they travel as the attached original.
  const message = {
    ...candidate,
    facts,
    classified,
    decision,
    digest,
    bodyDigest: bodyDigest(raw),
    contentDigest: content,
    ...(decision.action === 'signal' ? { raw } : {}),
  };
  return facts.messageId ? { message, copyKey: `${facts.messageId}\n${content}` } : { message };
}
