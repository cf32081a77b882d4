import type { ClassifiedMail, MailFacts } from '../core/types.js';
import type {
  AuditLog,
  Clock,
  InboxEntry,
  Logger,
  Mailbox,
  MailboxOpener,
  MailParser,
  Mailer,
  SignalRecord,
  StateStore,
} from '../core/ports.js';
import type { MessageDecision, SignalPolicy } from '../core/decide.js';
import { deadlineFor, isWithin, localDate } from '../core/schedule.js';
import type { SchoolIdentity } from '../core/compose.js';
import type {
  Contact,
  ContactRole,
  DateRange,
  DeliverMode,
  NotifyMode,
  Weekday,
} from '../core/vocabulary.js';
import type { LinkTokens } from '../core/link-token.js';
import type { CheckCounts } from '../core/audit-entry.js';
import type { ReceivingServer } from '../core/trust.js';

export interface CheckSettings {
  school: string;
  timezone: string;
  from: { name?: string; address: string };
  senders: string[];
  trustedAuthservId?: string;
  receivingServer?: ReceivingServer;
  contacts: Record<ContactRole, Contact>;
  /** Days on which the primary contact is away: the backup is told instead. */
  primaryAbsent: DateRange[];
  notify: NotifyMode;
  /** `link`: notifications hold only a link to the page (src/web/); absent means `mail`. */
  deliver?: DeliverMode;
  /** Link mode: where the page is reached, and which roles it asks for a PIN. */
  link?: { baseUrl: string; pinRoles: ContactRole[] };
  escalateAfterMs: number;
  purgeAfterMs: number;
  schedule: { checks: string[]; days: Weekday[]; deadline: string };
  maxMessageBytes: number;
  /** The most messages whose content one check downloads; the rest wait for the next check. */
  maxMessagesPerCheck: number;
  /** The largest notification with the original attached; absent: DEFAULTS.maxNotificationBytes. */
  maxNotificationBytes?: number;
  version: string;
}

export interface CheckDeps {
  settings: CheckSettings;
  opener: MailboxOpener;
  mailer: Mailer;
  store: StateStore & AuditLog;
  clock: Clock;
  logger: Logger;
  parser: MailParser;
  /** Link mode: the tokens of the links in the notifications. */
  linkTokens?: LinkTokens;
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

/** One message as read and decided on; the raw bytes themselves go out of scope. */
export interface ReadMessage {
  /** INBOX, or the \Junk folder for mail from a trusted sender that a spam filter filed there. */
  folder: string;
  /** The UIDVALIDITY of `folder`, under which `entry.uid` names this message. */
  uidValidity: string;
  entry: InboxEntry;
  facts?: MailFacts;
  /** Identifies a signal without a Message-ID (the legacy key form). */
  digest?: string;
  /** The body's SHA-256: the key form before the Subject was part of it (signal-steps.ts findRecord). */
  bodyDigest?: string;
  /** The decoded Subject's and body's SHA-256: with the Message-ID, what makes a signal this signal. */
  contentDigest?: string;
  /** A signal's raw bytes, in memory for this check only: the original that a notification may carry. */
  raw?: Buffer;
  classified?: ClassifiedMail;
  decision: MessageDecision;
}

/** What every part of one (non-dry) check shares: the ports, the open mailbox and the tally. */
export interface CheckContext {
  deps: CheckDeps;
  mailbox: Mailbox;
  identity: SchoolIdentity;
  /** The domain of our own address, for the Message-IDs of our mails. */
  domain: string;
  counts: CheckCounts;
  /** Marks a step boundary (see CheckDeps.onStep). */
  step: (name: string) => void;
}

/** One signal while its steps are taken: its mail, as read, and its workflow row, as stored. */
export interface SignalInProgress {
  key: string;
  /** The folder the signal is in: INBOX, or \Junk. */
  folder: string;
  uid: number;
  facts: MailFacts;
  classified: ClassifiedMail;
  record: SignalRecord;
  /** The message's IMAP keywords, with those this check added. */
  keywords: string[];
  /** The raw message, in memory only, for the attached original. */
  raw?: Buffer;
  /** The content digest: the purge removes copies of this signal only, not others with its Message-ID. */
  contentDigest?: string;
}

export function identityOf(settings: CheckSettings): SchoolIdentity {
  return { school: settings.school, fromAddress: settings.from.address, timezone: settings.timezone };
}

export function isPrimaryAbsent(settings: CheckSettings, now: Date): boolean {
  return isWithin(localDate(now, settings.timezone), settings.primaryAbsent);
}

export function policyFor(settings: CheckSettings, record: SignalRecord, now: Date): SignalPolicy {
  const schedule = { ...settings.schedule, timezone: settings.timezone };
  return {
    mode: settings.notify,
    escalateAfterMs: settings.escalateAfterMs,
    purgeAfterMs: settings.purgeAfterMs,
    deadline: deadlineFor(new Date(record.receivedAt), schedule, settings.schedule.deadline),
    primaryAbsent: isPrimaryAbsent(settings, now),
    ...(settings.deliver ? { deliver: settings.deliver } : {}),
  };
}

/** Saves a change to a signal's workflow row at once, so that a crash repeats at most one step. */
export function save(ctx: CheckContext, signal: SignalInProgress, change: Partial<SignalRecord>): void {
  signal.record = { ...signal.record, ...change };
  ctx.deps.store.putSignal(signal.record);
}
