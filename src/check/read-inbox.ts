import { createHash } from 'node:crypto';
import type { InboxEntry, Mailbox } from '../core/ports.js';
import { classify } from '../core/classify.js';
import { assessTrust } from '../core/trust.js';
import { decideMessage, KEYWORD, type MessageEvidence } from '../core/decide.js';
import { findOwnMail } from '../core/identity.js';
import { domainOf } from '../core/compose.js';
import type { CheckDeps, ReadMessage } from './context.js';
import { ownMailIndex } from './confirmations.js';

/**
 * Reads every INBOX message and decides what it is. Nothing is changed here; a message that is
 * too big or cannot be read is decided on without its content.
 */
export async function readInbox(deps: CheckDeps, mailbox: Mailbox, now: Date): Promise<ReadMessage[]> {
  const { settings } = deps;
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: settings.timezone }).format(now);
  const contacts = { primary: settings.contacts.primary.email, backup: settings.contacts.backup.email };
  const messages: ReadMessage[] = [];
  const own = ownMailIndex(deps, domainOf(settings.from.address));
  const authserv = settings.trustedAuthservId ? { trustedAuthservId: settings.trustedAuthservId } : {};
  for (const entry of await mailbox.listInbox()) {
    const base = { flags: entry.flags, contacts, ownAddress: settings.from.address, own, ...authserv };
    messages.push(await readMessage(deps, mailbox, entry, base, today));
  }
  deps.logger.info({ step: 'fetch', count: messages.length }, 'read the inbox');
  return messages;
}

type Evidence = Pick<MessageEvidence, 'flags' | 'contacts' | 'ownAddress' | 'own' | 'trustedAuthservId'>;

async function readMessage(
  deps: CheckDeps,
  mailbox: Mailbox,
  entry: InboxEntry,
  base: Evidence,
  today: string,
): Promise<ReadMessage> {
  const { settings } = deps;
  if (entry.flags.includes(KEYWORD.setAside)) return { entry, decision: { action: 'skip' } };
  // The size limit is applied before anything is downloaded or parsed.
  if (entry.size > settings.maxMessageBytes) {
    return { entry, decision: decideMessage({ ...base, failure: 'too-big' }) };
  }
  const raw = await mailbox.fetchSource(entry.uid);
  const parsed = raw ? await deps.parser.parse(raw, settings.maxMessageBytes) : undefined;
  if (!raw || !parsed?.ok) {
    const failure = parsed && !parsed.ok && parsed.reason === 'too-big' ? 'too-big' : 'unreadable';
    return { entry, decision: decideMessage({ ...base, failure }) };
  }
  const facts = parsed.facts;
  const classified = classify(facts, { today });
  const trust = assessTrust(facts, {
    senders: settings.senders,
    ...(settings.trustedAuthservId ? { trustedAuthservId: settings.trustedAuthservId } : {}),
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
  return { entry, facts, classified, decision, digest };
}
