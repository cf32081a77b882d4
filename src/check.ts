import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ClassifiedMail, MailFacts } from './core/types.js';
import type {
  AuditEntry,
  Clock,
  InboxEntry,
  Mailbox,
  MailboxOpener,
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
  type SignalProgress,
} from './core/decide.js';
import {
  composeAcknowledgement,
  composeAlert,
  composeMdn,
  composeNotification,
  domainOf,
  type Contact,
  type ContactRole,
  type SchoolIdentity,
  type SetAsideReason,
} from './core/compose.js';
import { ownMessageId, ownMessageIds, referenceOf, signalKey } from './core/identity.js';
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
  logger.info({ step: 'connect', folders }, 'connected to the mailbox');
  let failure: unknown;
  try {
    const messages = await readInbox(deps, mailbox, clock.now());
    counts.messages = messages.length;
    step('after-fetch');
    if (options.dryRun) {
      planOnly(deps, messages, counts, plan, mailbox);
    } else {
      await act(deps, mailbox, messages, counts, step);
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
    const row = deps.store.append(checkEntry(startedAt, counts, outcome, durationMs));
    if (!failure) deps.store.setMeta('last_success_at', startedAt.toISOString());
    logger.info({ step: 'audit', outcome, counts, durationMs, head: row.hash }, 'check finished');
  } else {
    logger.info({ step: 'dry-run', outcome, counts, durationMs }, 'dry run finished; nothing was changed');
  }
  if (failure) throw failure;
  return { dryRun: options.dryRun, outcome, counts, plan, folders };
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
    const decision = decideMessage({ ...base, facts, classified, trusted: trust.trusted });
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
            `${decision.classified.needsReview ? ' that needs review' : ''}; notify the primary and backup contact` +
            `, acknowledge to the sender${mdn}, then purge from ${purgeFolders}`,
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
): Promise<void> {
  const { settings, store, clock } = deps;
  const identity: SchoolIdentity = {
    school: settings.school,
    fromAddress: settings.from.address,
    timezone: settings.timezone,
  };
  const domain = domainOf(settings.from.address);
  const secret = store.secret();
  const setAside = new Map<number, SetAsideReason>();
  const removeQuietly: number[] = [];
  let stuck = false;

  for (const message of messages) {
    const { decision } = message;
    if (decision.action === 'set-aside') setAside.set(message.entry.uid, decision.reason);
    if (decision.action === 'quiet') {
      removeQuietly.push(message.entry.uid);
      counts.quietlyRemoved += 1;
    }
    if (decision.action === 'confirmation') {
      recordConfirmation(deps, decision, clock.now());
      counts.confirmations += 1;
      // A reply quotes the notification, so it holds the child's data: it goes like the signal.
      removeQuietly.push(message.entry.uid);
    }
  }

  for (const message of messages) {
    if (message.decision.action !== 'signal' || !message.facts) continue;
    const facts = message.facts;
    const classified = message.decision.classified;
    const key = signalKey(secret, facts.messageId, message.digest ?? '');
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

    const progress: SignalProgress = {
      notified: {
        ...(record.notifiedPrimaryAt ? { primary: record.notifiedPrimaryAt } : {}),
        ...(record.notifiedBackupAt ? { backup: record.notifiedBackupAt } : {}),
      },
      refused: {},
      ...(record.acknowledgedAt ? { acknowledgedAt: record.acknowledgedAt } : {}),
      ...(record.mdnSentAt ? { mdnSentAt: record.mdnSentAt } : {}),
    };
    const keywords = [...message.entry.flags];
    const mdnTo = facts.dispositionNotificationTo;

    for (;;) {
      const next = nextSignalStep(progress, { mdnRequested: Boolean(mdnTo), keywords });
      if (next.step === 'done') break;
      if (next.step === 'stuck') {
        deps.logger.error(
          { step: 'notify', reason: next.why },
          'no contact accepted the notification; the signal stays',
        );
        stuck = true;
        break;
      }
      const now = clock.now();
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
          }),
        );
        if (result.accepted.length > 0) {
          progress.notified[next.role] = now.toISOString();
          record = {
            ...record,
            [next.role === 'primary' ? 'notifiedPrimaryAt' : 'notifiedBackupAt']: now.toISOString(),
          };
          counts.notificationsSent += 1;
        } else {
          progress.refused[next.role] = now.toISOString();
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
        progress.acknowledgedAt = now.toISOString();
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
        progress.mdnSentAt = now.toISOString();
        record = { ...record, mdnSentAt: now.toISOString() };
        store.putSignal(record);
        await mailbox.addKeywords(message.entry.uid, [KEYWORD.mdnSent]);
        keywords.push(KEYWORD.mdnSent);
        counts.mdnsSent += 1;
        step('after-mdn');
      } else {
        const ids = [...(facts.messageId ? [facts.messageId] : []), ...ownMessageIds(key, domain)];
        const verified = await purge(deps, mailbox, message.entry.uid, ids, step);
        const purgedAt = clock.now().toISOString();
        record = { ...record, purgedAt, purgeVerified: verified };
        progress.purgedAt = purgedAt;
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
        });
        const finished = record;
        store.transaction(() => {
          store.putSignal(finished);
          store.append(entry);
        });
        counts.purged += 1;
        if (!verified) counts.purgeVerified = false;
        step('after-purge');
      }
    }
  }

  if (removeQuietly.length > 0) await mailbox.deleteUids('INBOX', removeQuietly);

  if (setAside.size > 0) {
    const tally: Partial<Record<SetAsideReason, number>> = {};
    for (const reason of setAside.values()) tally[reason] = (tally[reason] ?? 0) + 1;
    await sendOrFail(
      deps.mailer,
      composeAlert({
        identity,
        contact: settings.contacts.primary,
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
): void {
  const { store } = deps;
  const record = decision.ref
    ? store.findSignalByKeyPrefix(decision.ref.keyPrefix)
    : store.allSignals().find((signal) => referenceOf(signal.key) === decision.reference);
  if (!record || record.confirmedAt) return;
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
}

/**
 * Removes a handled signal and every copy of it and of our own mails about it, then looks again.
 * INBOX by UID; \Sent, \Trash, \Junk and \All by Message-ID, because servers such as Microsoft 365
 * and Gmail keep copies of submitted and deleted mail there.
 */
async function purge(
  deps: CheckDeps,
  mailbox: Mailbox,
  uid: number,
  messageIds: string[],
  step: (name: string) => void,
): Promise<boolean> {
  const { folders } = mailbox;
  const others = [folders.sent, folders.trash, folders.junk, folders.all].filter(
    (folder): folder is string => typeof folder === 'string',
  );
  await mailbox.deleteUids('INBOX', [uid]);
  step('mid-purge');
  for (const folder of ['INBOX', ...others]) {
    const uids = await mailbox.findByMessageId(folder, messageIds);
    await mailbox.deleteUids(folder, uids);
  }
  const leftInInbox = (await mailbox.listInbox()).some((entry) => entry.uid === uid);
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
