import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ClassifiedMail, MailFacts } from './core/types.js';
import type {
  AuditEntry,
  Clock,
  InboxEntry,
  Mailbox,
  MailboxOpener,
  MailProvider,
  Mailer,
  SignalRecord,
  StateStore,
  AuditLog,
} from './core/ports.js';
import { classify } from './core/classify.js';
import { assessTrust } from './core/trust.js';
import {
  decideMessage,
  nextSignalStep,
  KEYWORD,
  type MessageDecision,
  type NotifyMode,
  type SignalPolicy,
  type SignalProgress,
} from './core/decide.js';
import { deadlineFor, isWithin, localDate, type DateRange, type Weekday } from './core/schedule.js';
import {
  composeAcknowledgement,
  composeAlert,
  composeMdn,
  composeNotification,
  composeReminder,
  domainOf,
  type Contact,
  type ContactRole,
  type SchoolIdentity,
  type SetAsideReason,
} from './core/compose.js';
import { findOwnMessageRef, ownMessageId, ownMessageIds, referenceOf, signalKey } from './core/identity.js';
import { checkEntry, emptyCounts, signalEntry, type CheckCounts } from './core/audit-entry.js';
import { MailerError, PurgeError } from './core/errors.js';

export type ParseResult = { ok: true; facts: MailFacts } | { ok: false; reason: string };

export interface CheckSettings {
  school: string;
  timezone: string;
  from: { name?: string; address: string };
  senders: string[];
  trustedAuthservId?: string;
  contacts: Record<ContactRole, Contact>;
  /** Days on which the primary contact is away: the backup is told instead. */
  primaryAbsent: DateRange[];
  notify: NotifyMode;
  escalateAfterMs: number;
  purgeAfterMs: number;
  schedule: { checks: string[]; days: Weekday[]; deadline: string };
  maxMessageBytes: number;
  version: string;
}

export interface CheckDeps {
  settings: CheckSettings;
  opener: MailboxOpener;
  mailer: Mailer;
  store: StateStore & AuditLog & { transaction<T>(work: () => T): T };
  clock: Clock;
  logger: Logger;
  parse: (raw: Buffer, maxBytes: number) => Promise<ParseResult>;
  /** Called at each step boundary; the fault-injection tests kill the process here. */
  onStep?: (step: string) => void;
}

export interface CheckReport {
  dryRun: boolean;
  outcome: 'ok' | 'failed';
  counts: CheckCounts;
  /** For --dry-run: what would happen, as short English lines without content. */
  plan: string[];
  folders: string[];
  /** When something becomes due for a signal that waits (escalation, deadline, hard limit). */
  nextDueAt?: Date;
}

interface ReadMessage {
  entry: InboxEntry;
  facts?: MailFacts;
  /** Identifies a signal without a Message-ID; the raw bytes themselves go out of scope. */
  digest?: string;
  classified?: ClassifiedMail;
  decision: MessageDecision;
}

/**
 * What the provider keeps beyond IMAP's reach, stated once per check in the log (and in the audit
 * report), so that nobody believes a purge removed more than it can.
 */
export const PROVIDER_RETENTION: Record<MailProvider, string | undefined> = {
  exchange:
    'Exchange Online keeps deleted mail in Recoverable Items for 14 days by default (up to 30), out of IMAP reach; ' +
    'an Exchange admin can shorten this with: Set-Mailbox -Identity <hwc-mailbox> -RetainDeletedItemsFor 1',
  gmail: 'Gmail: purged messages are expunged from Trash; Google Vault retention rules, if any, still apply',
  generic: undefined,
};

/**
 * One morning check: read → decide → act → purge → audit. Nothing from a mail leaves memory,
 * except in the notification to a contact; the purge comes only after SMTP accepted that.
 */
export async function runCheck(deps: CheckDeps, options: { dryRun: boolean }): Promise<CheckReport> {
  const { logger, clock } = deps;
  const startedAt = clock.now();
  const counts = emptyCounts();
  const plan: string[] = [];
  const step = (name: string): void => deps.onStep?.(name);

  const mailbox = await deps.opener.open({ readOnly: options.dryRun });
  const folders = Object.values(mailbox.folders).filter((f): f is string => typeof f === 'string');
  logger.info({ step: 'connect', folders, kind: mailbox.provider }, 'connected to the mailbox');
  const statement = PROVIDER_RETENTION[mailbox.provider];
  if (statement)
    logger.warn({ step: 'connect', kind: mailbox.provider, warning: statement }, 'provider retention');
  let failure: unknown;
  let nextDueAt: Date | undefined;
  try {
    const messages = await readInbox(deps, mailbox, clock.now());
    counts.messages = messages.length;
    step('after-fetch');
    if (options.dryRun) {
      planOnly(deps, messages, counts, plan, mailbox);
    } else {
      nextDueAt = await act(deps, mailbox, messages, counts, step);
    }
  } catch (err) {
    failure = err;
  } finally {
    await mailbox.close();
  }

  const outcome = failure ? 'failed' : 'ok';
  const durationMs = clock.now().getTime() - startedAt.getTime();
  if (!options.dryRun) {
    step('before-audit');
    const row = deps.store.append(checkEntry(startedAt, counts, outcome, durationMs, mailbox.provider));
    if (!failure) deps.store.setMeta('last_success_at', startedAt.toISOString());
    // The head hash and row count go to the log, so that an outside copy (journald) shows if rows
    // were later removed from the end of the table.
    logger.info(
      { step: 'audit', outcome, counts, durationMs, head: row.hash, rows: row.id },
      'check finished',
    );
  } else {
    logger.info({ step: 'dry-run', outcome, counts, durationMs }, 'dry run finished; nothing was changed');
  }
  if (failure) throw failure;
  return { dryRun: options.dryRun, outcome, counts, plan, folders, ...(nextDueAt ? { nextDueAt } : {}) };
}

async function readInbox(deps: CheckDeps, mailbox: Mailbox, now: Date): Promise<ReadMessage[]> {
  const { settings } = deps;
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: settings.timezone }).format(now);
  const contacts = { primary: settings.contacts.primary.email, backup: settings.contacts.backup.email };
  const entries = await mailbox.listInbox();
  const messages: ReadMessage[] = [];
  for (const entry of entries) {
    const base = { flags: entry.flags, contacts, ownAddress: settings.from.address };
    if (entry.flags.includes(KEYWORD.setAside)) {
      messages.push({ entry, decision: { action: 'skip' } });
      continue;
    }
    // The size limit is applied before anything is downloaded or parsed.
    if (entry.size > settings.maxMessageBytes) {
      messages.push({ entry, decision: decideMessage({ ...base, failure: 'too-big' }) });
      continue;
    }
    const raw = await mailbox.fetchSource(entry.uid);
    const parsed = raw ? await deps.parse(raw, settings.maxMessageBytes) : undefined;
    if (!raw || !parsed?.ok) {
      const failure = parsed && !parsed.ok && parsed.reason === 'too-big' ? 'too-big' : 'unreadable';
      messages.push({ entry, decision: decideMessage({ ...base, failure }) });
      continue;
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
    messages.push({ entry, facts, classified, decision, digest });
  }
  deps.logger.info({ step: 'fetch', count: messages.length }, 'read the inbox');
  return messages;
}

function planOnly(
  deps: CheckDeps,
  messages: ReadMessage[],
  counts: CheckCounts,
  plan: string[],
  mailbox: Mailbox,
): void {
  const purgeFolders = [
    'INBOX',
    mailbox.folders.sent,
    mailbox.folders.trash,
    mailbox.folders.junk,
    mailbox.folders.all,
  ]
    .filter(Boolean)
    .join(', ');
  for (const message of messages) {
    const { decision } = message;
    const uid = message.entry.uid;
    switch (decision.action) {
      case 'skip':
        plan.push(`message uid ${uid}: already set aside for a person; leave it`);
        break;
      case 'set-aside':
        counts.setAside += 1;
        plan.push(
          `message uid ${uid}: set aside for a person (${decision.reason}); alert the primary contact`,
        );
        break;
      case 'quiet':
        counts.quietlyRemoved += 1;
        plan.push(`message uid ${uid}: ${decision.category} about our own mail; remove quietly`);
        break;
      case 'confirmation':
        counts.confirmations += 1;
        plan.push(`message uid ${uid}: confirmation from the ${decision.role} contact; record and remove`);
        break;
      case 'signal': {
        counts.signals += 1;
        counts.children += decision.classified.children.length;
        if (decision.classified.needsReview) counts.needsReview += 1;
        const mdn = message.facts?.dispositionNotificationTo ? ', send a read receipt (MDN)' : '';
        plan.push(
          `message uid ${uid}: signal with ${decision.classified.children.length} child(ren)` +
            `${decision.classified.needsReview ? ' that needs review' : ''}; ${whoToNotify(deps.settings, deps.clock.now())}` +
            `, acknowledge to the sender${mdn}, then purge from ${purgeFolders}` +
            (deps.settings.notify === 'escalate'
              ? ' once a contact confirms or the escalation is complete'
              : ''),
        );
        break;
      }
    }
  }
  if (counts.setAside > 0) plan.push(`send 1 content-free alert to the primary contact`);
  deps.logger.info({ step: 'plan', counts }, 'dry run: planned actions');
}

async function act(
  deps: CheckDeps,
  mailbox: Mailbox,
  messages: ReadMessage[],
  counts: CheckCounts,
  step: (name: string) => void,
): Promise<Date | undefined> {
  const { settings, store, clock } = deps;
  const identity = identityOf(settings);
  const domain = domainOf(settings.from.address);
  const secret = store.secret();
  const setAside = new Map<number, SetAsideReason>();
  const removeQuietly: number[] = [];
  const waits: Date[] = [];
  let stuck = false;

  // Replies and bounces first: a confirmation or a bounce changes what is due for its signal.
  for (const message of messages) {
    const { decision } = message;
    if (decision.action === 'set-aside') setAside.set(message.entry.uid, decision.reason);
    if (decision.action === 'quiet') {
      if (decision.ref?.kind === 'notify-primary' || decision.ref?.kind === 'notify-backup') {
        recordBounce(
          deps,
          decision.ref.keyPrefix,
          decision.ref.kind === 'notify-primary' ? 'primary' : 'backup',
        );
      }
      removeQuietly.push(message.entry.uid);
      counts.quietlyRemoved += 1;
    }
    if (decision.action === 'confirmation') {
      const outcome = recordConfirmation(deps, decision, clock.now());
      if (outcome === 'recorded') counts.confirmations += 1;
      // A reply quotes the notification, so it holds the child's data: it goes like the signal.
      // A reply that does not count (from a contact who was not sent it, or about a signal we do
      // not know) is not ours to delete: a person looks at it.
      if (outcome === 'not-counted') setAside.set(message.entry.uid, 'unexpected-reply');
      else removeQuietly.push(message.entry.uid);
    }
  }
  if (removeQuietly.length > 0) await mailbox.deleteUids('INBOX', removeQuietly);

  const seen = new Set<string>();
  for (const message of messages) {
    if (message.decision.action !== 'signal' || !message.facts) continue;
    const facts = message.facts;
    const classified = message.decision.classified;
    const key = signalKey(secret, facts.messageId, message.digest ?? '');
    seen.add(key);
    counts.signals += 1;
    counts.children += classified.children.length;
    if (classified.needsReview) counts.needsReview += 1;

    let record: SignalRecord = store.getSignal(key) ?? {
      key,
      uidValidity: mailbox.uidValidity,
      uid: message.entry.uid,
      receivedAt: clock.now().toISOString(),
      needsReview: classified.needsReview,
      children: classified.children.length,
    };
    // The same signal found again (restored from Trash, delivered twice): only the purge is left to do.
    if (record.purgedAt) {
      const { purgedAt, purgeVerified, ...rest } = record;
      record = rest;
    }
    record = { ...record, uidValidity: mailbox.uidValidity, uid: message.entry.uid };
    store.putSignal(record);

    const keywords = [...message.entry.flags];
    const mdnTo = facts.dispositionNotificationTo;
    const policy = policyFor(settings, record, clock.now());

    for (;;) {
      const now = clock.now();
      const next = nextSignalStep(
        progressOf(record),
        { mdnRequested: Boolean(mdnTo), keywords },
        policy,
        now,
      );
      if (next.step === 'done') break;
      if (next.step === 'wait') {
        waits.push(next.until);
        break;
      }
      if (next.step === 'stuck') {
        deps.logger.error(
          { step: 'notify', reason: next.why },
          'no contact accepted the notification; the signal stays',
        );
        stuck = true;
        break;
      }
      if (next.step === 'notify') {
        const contact = settings.contacts[next.role];
        const result = await deps.mailer.send(
          composeNotification({
            identity,
            contact,
            role: next.role,
            children: classified.children,
            receivedAt: new Date(record.receivedAt),
            reference: referenceOf(key),
            messageId: ownMessageId(
              next.role === 'primary' ? 'notify-primary' : 'notify-backup',
              key,
              domain,
            ),
            needsReview: classified.needsReview,
            reviewReasons: classified.reasons,
            ...(classified.needsReview ? { originalText: facts.text.slice(0, 20_000) } : {}),
            ...(next.escalation ? { escalation: next.escalation } : {}),
          }),
        );
        const stamp = now.toISOString();
        if (result.accepted.length > 0) {
          record = { ...record, [next.role === 'primary' ? 'notifiedPrimaryAt' : 'notifiedBackupAt']: stamp };
          if (next.escalation) record = { ...record, escalatedAt: stamp, escalationReason: next.escalation };
          counts.notificationsSent += 1;
          if (next.escalation) counts.escalations += 1;
          deps.logger.info(
            { step: 'notify', role: next.role, ...(next.escalation ? { reason: next.escalation } : {}) },
            'notification accepted by SMTP',
          );
        } else {
          record = { ...record, [next.role === 'primary' ? 'refusedPrimaryAt' : 'refusedBackupAt']: stamp };
          deps.logger.warn(
            { step: 'notify', role: next.role, reason: 'recipient-refused' },
            'SMTP refused a contact',
          );
        }
        store.putSignal(record);
        step(`after-notify-${next.role}`);
      } else if (next.step === 'acknowledge') {
        if (!facts.fromAddress) throw new MailerError('NO_SENDER', 'signal has no sender to acknowledge');
        await sendOrFail(
          deps.mailer,
          composeAcknowledgement({
            identity,
            to: facts.fromAddress,
            ...(facts.messageId ? { originalMessageId: facts.messageId } : {}),
            originalReferences: facts.references,
            receivedAt: new Date(record.receivedAt),
            messageId: ownMessageId('ack', key, domain),
          }),
        );
        record = { ...record, acknowledgedAt: now.toISOString() };
        store.putSignal(record);
        await mailbox.addKeywords(message.entry.uid, [KEYWORD.acknowledged]);
        keywords.push(KEYWORD.acknowledged);
        counts.acknowledgementsSent += 1;
        step('after-acknowledge');
      } else if (next.step === 'mdn') {
        await sendOrFail(
          deps.mailer,
          composeMdn({
            identity,
            to: mdnTo ?? '',
            ...(facts.messageId ? { originalMessageId: facts.messageId } : {}),
            messageId: ownMessageId('mdn', key, domain),
            reportingUa: `hwc-watcher; hwc-watcher ${settings.version}`,
          }),
        );
        record = { ...record, mdnSentAt: now.toISOString() };
        store.putSignal(record);
        await mailbox.addKeywords(message.entry.uid, [KEYWORD.mdnSent]);
        keywords.push(KEYWORD.mdnSent);
        counts.mdnsSent += 1;
        step('after-mdn');
      } else if (next.step === 'remind') {
        for (const role of ['primary', 'backup'] as const) {
          if (!record[role === 'primary' ? 'notifiedPrimaryAt' : 'notifiedBackupAt']) continue;
          await deps.mailer.send(
            composeReminder({
              identity,
              contact: settings.contacts[role],
              reference: referenceOf(key),
              at: now,
              messageId: `hwc.remind.${randomUUID()}@${domain}`,
            }),
          );
          counts.remindersSent += 1;
        }
        record = { ...record, reminderSentAt: now.toISOString() };
        store.putSignal(record);
        deps.logger.warn({ step: 'remind' }, 'nobody confirmed by the deadline; reminder sent');
      } else {
        const ids = [...(facts.messageId ? [facts.messageId] : []), ...ownMessageIds(key, domain)];
        const verified = await purge(deps, mailbox, ids, message.entry.uid, step);
        record = finishSignal(deps, record, verified, next.why, keywords);
        counts.purged += 1;
        if (next.why === 'hard-limit') counts.unconfirmedPurged += 1;
        if (!verified) counts.purgeVerified = false;
        step('after-purge');
      }
    }
  }

  await finishOrphans(deps, mailbox, seen, counts, domain);
  forgetFinished(deps);

  if (setAside.size > 0) {
    const tally: Partial<Record<SetAsideReason, number>> = {};
    for (const reason of setAside.values()) tally[reason] = (tally[reason] ?? 0) + 1;
    await sendOrFail(
      deps.mailer,
      composeAlert({
        identity,
        // The alert goes to whoever stands in today: the backup while the primary contact is away.
        contact: isWithin(localDate(clock.now(), settings.timezone), settings.primaryAbsent)
          ? settings.contacts.backup
          : settings.contacts.primary,
        counts: tally,
        at: clock.now(),
        messageId: `hwc.alert.${randomUUID()}@${domain}`,
      }),
    );
    counts.alertsSent += 1;
    // Marked only after the alert was accepted: if SMTP is down, the next check alerts again.
    for (const uid of setAside.keys()) await mailbox.addKeywords(uid, [KEYWORD.setAside]);
    counts.setAside = setAside.size;
    deps.logger.info({ step: 'set-aside', count: setAside.size }, 'messages left for a person; alert sent');
  }

  if (stuck) throw new MailerError('CONTACTS_UNREACHABLE', 'no contact accepted the notification');
  if (!counts.purgeVerified) throw new PurgeError('PURGE_NOT_VERIFIED', 'a purged message was still found');
  return waits.length > 0 ? new Date(Math.min(...waits.map((d) => d.getTime()))) : undefined;
}

function whoToNotify(settings: CheckSettings, now: Date): string {
  if (settings.notify === 'both') return 'notify the primary and the backup contact';
  if (isWithin(localDate(now, settings.timezone), settings.primaryAbsent)) {
    return 'notify the backup contact (the primary contact is absent today)';
  }
  return 'notify the primary contact (the backup if not confirmed in time)';
}

function identityOf(settings: CheckSettings): SchoolIdentity {
  return { school: settings.school, fromAddress: settings.from.address, timezone: settings.timezone };
}

function policyFor(settings: CheckSettings, record: SignalRecord, now: Date): SignalPolicy {
  const schedule = { ...settings.schedule, timezone: settings.timezone };
  return {
    mode: settings.notify,
    escalateAfterMs: settings.escalateAfterMs,
    purgeAfterMs: settings.purgeAfterMs,
    deadline: deadlineFor(new Date(record.receivedAt), schedule, settings.schedule.deadline),
    primaryAbsent: isWithin(localDate(now, settings.timezone), settings.primaryAbsent),
  };
}

function progressOf(record: SignalRecord): SignalProgress {
  const pick = (value: string | undefined) => value;
  return {
    receivedAt: record.receivedAt,
    notified: {
      ...(record.notifiedPrimaryAt ? { primary: pick(record.notifiedPrimaryAt) } : {}),
      ...(record.notifiedBackupAt ? { backup: pick(record.notifiedBackupAt) } : {}),
    },
    refused: {
      ...(record.refusedPrimaryAt ? { primary: record.refusedPrimaryAt } : {}),
      ...(record.refusedBackupAt ? { backup: record.refusedBackupAt } : {}),
    },
    ...(record.acknowledgedAt ? { acknowledgedAt: record.acknowledgedAt } : {}),
    ...(record.mdnSentAt ? { mdnSentAt: record.mdnSentAt } : {}),
    ...(record.confirmedAt ? { confirmedAt: record.confirmedAt } : {}),
    ...(record.reminderSentAt ? { reminderSentAt: record.reminderSentAt } : {}),
    ...(record.purgedAt ? { purgedAt: record.purgedAt } : {}),
  };
}

/** Marks a signal purged and writes its audit row, in one transaction. */
function finishSignal(
  deps: CheckDeps,
  record: SignalRecord,
  verified: boolean,
  why: string,
  keywords: string[],
): SignalRecord {
  const { store, clock } = deps;
  const purgedAt = clock.now().toISOString();
  const finished: SignalRecord = { ...record, purgedAt, purgeVerified: verified };
  const entry: AuditEntry = signalEntry({
    receivedAt: record.receivedAt,
    purgedAt,
    children: record.children,
    needsReview: record.needsReview,
    notifiedPrimary: Boolean(record.notifiedPrimaryAt),
    notifiedBackup: Boolean(record.notifiedBackupAt),
    acknowledged: Boolean(record.acknowledgedAt) || keywords.includes(KEYWORD.acknowledged),
    mdnSent: Boolean(record.mdnSentAt) || keywords.includes(KEYWORD.mdnSent),
    purgeVerified: verified,
    escalated: Boolean(record.escalatedAt),
    ...(record.escalationReason ? { escalationReason: record.escalationReason } : {}),
    confirmedBy: record.confirmedBy ?? 'none',
    ...(record.confirmedAt
      ? {
          minutesToConfirm: Math.round(
            (Date.parse(record.confirmedAt) - Date.parse(record.receivedAt)) / 60_000,
          ),
        }
      : {}),
    purgeReason: why,
  });
  store.transaction(() => {
    store.putSignal(finished);
    store.append(entry);
  });
  return finished;
}

/** How long a purged signal's workflow row is kept, so that a late confirmation still counts. */
export const KEEP_FINISHED_MS = 7 * 24 * 3_600_000;

/**
 * A finished workflow's row (a key and times) is deleted a week after the purge: after that, only
 * the audit log says that a signal was handled. secure_delete overwrites the row on disk.
 */
function forgetFinished(deps: CheckDeps): void {
  const cutoff = deps.clock.now().getTime() - KEEP_FINISHED_MS;
  for (const record of deps.store.allSignals()) {
    if (record.purgedAt && Date.parse(record.purgedAt) < cutoff) deps.store.deleteSignal(record.key);
  }
}

/**
 * Signals whose workflow is open in the state but that are no longer in INBOX: a check that was
 * killed after deleting the INBOX copy. The INBOX copy goes last in a purge, so the copies of our
 * own mails elsewhere are found by their derived Message-IDs, removed, verified, and recorded.
 */
async function finishOrphans(
  deps: CheckDeps,
  mailbox: Mailbox,
  seen: Set<string>,
  counts: CheckCounts,
  domain: string,
): Promise<void> {
  const open = deps.store.allSignals().filter((record) => !record.purgedAt && !seen.has(record.key));
  if (open.length === 0) return;
  const inbox = new Set((await mailbox.listInbox()).map((entry) => entry.uid));
  for (const record of open) {
    if (record.uidValidity === mailbox.uidValidity && inbox.has(record.uid)) continue;
    const handled = Boolean(record.notifiedPrimaryAt || record.notifiedBackupAt);
    if (!handled) {
      // Someone removed it by hand before anyone was told: nothing to notify from; say so.
      deps.logger.warn(
        { step: 'purge', reason: 'removed-before-notification' },
        'an open signal left the inbox',
      );
    }
    const verified = await purge(
      deps,
      mailbox,
      ownMessageIds(record.key, domain),
      undefined,
      () => undefined,
    );
    finishSignal(deps, record, verified, handled ? 'resumed' : 'removed-by-someone', []);
    counts.purged += 1;
    if (!verified) counts.purgeVerified = false;
  }
}

async function sendOrFail(mailer: Mailer, mail: Parameters<Mailer['send']>[0]): Promise<void> {
  const result = await mailer.send(mail);
  if (result.accepted.length === 0) {
    throw new MailerError('RECIPIENT_REFUSED', `SMTP server refused the recipient of the ${mail.kind}`);
  }
}

function recordConfirmation(
  deps: CheckDeps,
  decision: Extract<MessageDecision, { action: 'confirmation' }>,
  now: Date,
): 'recorded' | 'already-confirmed' | 'not-counted' {
  const { store } = deps;
  const record = decision.ref
    ? store.findSignalByKeyPrefix(decision.ref.keyPrefix)
    : store.allSignals().find((signal) => referenceOf(signal.key) === decision.reference);
  // Only a reply from a contact who was sent the notification counts.
  const notified = decision.role === 'primary' ? record?.notifiedPrimaryAt : record?.notifiedBackupAt;
  if (!record || !notified) return 'not-counted';
  if (record.confirmedAt) return 'already-confirmed';
  const minutes = Math.round((now.getTime() - Date.parse(record.receivedAt)) / 60_000);
  store.transaction(() => {
    store.putSignal({ ...record, confirmedAt: now.toISOString(), confirmedBy: decision.role });
    store.append({
      at: now.toISOString(),
      type: 'signal',
      data: { event: 'confirmed', confirmedBy: decision.role, minutesToConfirm: minutes },
    });
  });
  deps.logger.info({ step: 'confirm', role: decision.role }, 'a contact confirmed a signal');
  return 'recorded';
}

/** A bounce of our notification: that contact cannot be reached, which is a reason to escalate. */
function recordBounce(deps: CheckDeps, keyPrefix: string, role: ContactRole): void {
  const record = deps.store.findSignalByKeyPrefix(keyPrefix);
  if (!record || record.purgedAt) return;
  const field = role === 'primary' ? 'refusedPrimaryAt' : 'refusedBackupAt';
  if (record[field]) return;
  deps.store.putSignal({ ...record, [field]: deps.clock.now().toISOString() });
  deps.logger.warn({ step: 'bounce', role }, 'a notification bounced');
}

/**
 * Removes a handled signal and every copy of it and of our own mails about it, then looks again.
 * \Sent, \Trash, \Junk and \All by Message-ID, because servers such as Microsoft 365 and Gmail keep
 * copies of submitted and deleted mail there; INBOX last, so that a purge cut short by a crash is
 * found again, whole, by the next check.
 */
async function purge(
  deps: CheckDeps,
  mailbox: Mailbox,
  messageIds: string[],
  inboxUid: number | undefined,
  step: (name: string) => void,
): Promise<boolean> {
  const { folders } = mailbox;
  const others = [folders.sent, folders.trash, folders.junk, folders.all].filter(
    (folder): folder is string => typeof folder === 'string',
  );
  if (mailbox.provider === 'gmail' && folders.all && folders.trash) {
    // Gmail: deleting from a folder only removes a label; the message lives on in \All. Moving it
    // from \All to \Trash and expunging it there is what deletes it for good.
    await mailbox.moveUids(
      folders.all,
      await mailbox.findByMessageId(folders.all, messageIds),
      folders.trash,
    );
  }
  for (const folder of [...others, 'INBOX']) {
    const uids = await mailbox.findByMessageId(folder, messageIds);
    await mailbox.deleteUids(folder, uids);
  }
  step('mid-purge');
  if (inboxUid !== undefined) await mailbox.deleteUids('INBOX', [inboxUid]);
  const leftInInbox =
    inboxUid !== undefined && (await mailbox.listInbox()).some((entry) => entry.uid === inboxUid);
  const leftElsewhere: string[] = [];
  for (const folder of ['INBOX', ...others]) {
    if ((await mailbox.findByMessageId(folder, messageIds)).length > 0) leftElsewhere.push(folder);
  }
  const verified = !leftInInbox && leftElsewhere.length === 0;
  deps.logger[verified ? 'info' : 'error'](
    { step: 'purge', outcome: verified ? 'verified' : 'not-verified', folders: ['INBOX', ...others] },
    verified ? 'signal purged and verified' : 'purge could not be verified',
  );
  return verified;
}
