import { createHash } from 'node:crypto';
import type { Mailbox } from '../core/ports.js';
import { classify } from '../core/classify.js';
import { assessTrust } from '../core/trust.js';
import { decideMessage, type MessageDecision, type MessageEvidence } from '../core/decide.js';
import { findOwnMessageRef } from '../core/identity.js';
import { triage, type TriageCandidate, type TriagePlan } from '../core/triage.js';
import type { CheckDeps, ReadMessage } from './context.js';

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
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: settings.timezone }).format(now);
  const contacts = { primary: settings.contacts.primary.email, backup: settings.contacts.backup.email };
  const messages: ReadMessage[] = [];
  for (const candidate of candidates) {
    const base = { flags: candidate.entry.flags, contacts, ownAddress: settings.from.address };
    const message = await readMessage(deps, mailbox, candidate, base, today);
    messages.push(candidate.folder === 'INBOX' ? message : asJunk(message));
  }
  deps.logger.info({ step: 'fetch', count: messages.length }, 'read the inbox');
  return messages;
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
  const skip: MessageDecision = { action: 'skip' };
  return { ...message, decision: skip };
}

type Evidence = Pick<MessageEvidence, 'flags' | 'contacts' | 'ownAddress'>;

async function readMessage(
  deps: CheckDeps,
  mailbox: Mailbox,
  candidate: TriageCandidate,
  base: Evidence,
  today: string,
): Promise<ReadMessage> {
  const { settings } = deps;
  const { entry, folder } = candidate;
  // The size limit is applied before anything is downloaded or parsed.
  if (entry.size > settings.maxMessageBytes) {
    return { ...candidate, decision: decideMessage({ ...base, failure: 'too-big' }) };
  }
  const raw = await mailbox.fetchSource(entry.uid, folder);
  const parsed = raw ? await deps.parser.parse(raw, settings.maxMessageBytes) : undefined;
  if (!raw || !parsed?.ok) {
    const failure = parsed && !parsed.ok && parsed.reason === 'too-big' ? 'too-big' : 'unreadable';
    return { ...candidate, decision: decideMessage({ ...base, failure }) };
  }
  const facts = parsed.facts;
  const classified = classify(facts, { today });
  const trust = assessTrust(facts, {
    senders: settings.senders,
    ...(settings.trustedAuthservId ? { trustedAuthservId: settings.trustedAuthservId } : {}),
  });
  const embeddedRef = findOwnMessageRef(raw.toString('latin1'));
  const decision = decideMessage({
    ...base,
    facts,
    classified,
    trusted: trust.trusted,
    ...(embeddedRef ? { embeddedRef } : {}),
  });
  const digest = createHash('sha256').update(raw).digest('hex');
  return { ...candidate, facts, classified, decision, digest };
}
