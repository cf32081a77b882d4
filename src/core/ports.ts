/**
 * The small interfaces through which the use case talks to the world. Adapters in src/adapters
 * implement them with imapflow, nodemailer, better-sqlite3 and the system clock; unit tests use fakes.
 */

import type { ContactRole, EscalationReason } from './vocabulary.js';
import type { LogField } from './log-fields.js';
import type { MailFacts } from './types.js';

export interface Clock {
  now(): Date;
}

/** Folders of the HwC account, found by special-use flag (RFC 6154) or by common names. */
export interface MailboxFolders {
  inbox: string;
  sent?: string;
  trash?: string;
  junk?: string;
  all?: string;
}

/** What the listing step knows of a message before its content is fetched. */
export interface InboxEntry {
  uid: number;
  size: number;
  flags: string[];
  /** The server's INTERNALDATE (RFC 3501 2.3.3), ISO, when the listing fetched it. */
  internalDate?: string;
  /**
   * The From addresses of the ENVELOPE (RFC 3501 7.4.2), lower-cased, when the listing fetched it:
   * for triage only (which message to read first, which Junk message to read at all). Whether a
   * sender is trusted is decided on the parsed message (trust.ts), never on this.
   */
  from?: string[];
}

/** One folder's messages, as one batched FETCH of UID, FLAGS, RFC822.SIZE and ENVELOPE lists them. */
export interface FolderListing {
  /** The folder's UIDVALIDITY (RFC 3501 2.3.1.1). */
  uidValidity: string;
  entries: InboxEntry[];
}

/**
 * Which kind of server this is, because deleting works differently: Gmail keeps every message in
 * \All until it is expunged from \Trash; Exchange Online keeps deleted mail in Recoverable Items.
 */
export type MailProvider = 'gmail' | 'exchange' | 'generic';

/**
 * Copies of a signal: messages with its Message-ID count only when `matches` their source (its
 * body), because a reused Message-ID may name another signal that nobody was told about yet.
 */
export interface SignalCopyTest {
  messageId: string;
  matches(source: Buffer): boolean;
}

export interface Mailbox {
  /** INBOX's UIDVALIDITY (RFC 3501 2.3.1.1): a UID means the same message only within one value. */
  readonly uidValidity: string;
  readonly folders: MailboxFolders;
  readonly provider: MailProvider;
  listInbox(): Promise<InboxEntry[]>;
  /** Every message in `folder` with its envelope From, in one FETCH command; INBOX when omitted. */
  listHeaders(folder?: string): Promise<FolderListing>;
  /** One message's source from `folder` (INBOX when omitted), without setting \Seen. */
  fetchSource(uid: number, folder?: string): Promise<Buffer | undefined>;
  /** Several messages' sources from `folder` in one FETCH, without setting \Seen; absent: one by one. */
  fetchSources?(uids: readonly number[], folder?: string): Promise<Map<number, Buffer>>;
  /** Sets keywords on one UID or a batch of UIDs in one STORE, in `folder` (INBOX when omitted). */
  addKeywords(uid: number | readonly number[], keywords: string[], folder?: string): Promise<void>;
  /** UIDs in `folder` whose Message-ID header is exactly one of `messageIds` (checked header by header). */
  findByMessageId(folder: string, messageIds: string[]): Promise<number[]>;
  /** Deletes exactly these UIDs with UID EXPUNGE (RFC 4315); never a plain EXPUNGE. */
  deleteUids(folder: string, uids: number[]): Promise<void>;
  /**
   * Deletes from `folder` these UIDs and every message whose Message-ID is exactly one of
   * `messageIds`, then looks again; resolves whether nothing of them is left. With one selection
   * and combined searches where the adapter can; absent, the purge composes the calls above.
   */
  purgeFolder?(
    folder: string,
    messageIds: string[],
    uids?: readonly number[],
    copyOf?: SignalCopyTest,
  ): Promise<boolean>;
  /** Moves these UIDs to another folder (RFC 6851 MOVE). */
  moveUids(folder: string, uids: number[], destination: string): Promise<void>;
  close(): Promise<void>;
}

export interface MailboxOpener {
  open(options: { readOnly: boolean }): Promise<Mailbox>;
  /**
   * Starts the first connection now, for an open() that follows soon with the same options; it
   * changes nothing on the server. discard() ends it when no open() came.
   */
  prepare?(options: { readOnly: boolean }): void;
  discard?(): Promise<void>;
  /** Ends a connection attempt in flight and any retries: the check's watchdog calls it. */
  abort?(): void;
}

export interface OutgoingMail {
  /** For logs and audit only: which kind of mail this is. */
  kind: 'notification' | 'acknowledgement' | 'mdn' | 'alert' | 'reminder' | 'confirmed';
  to: string[];
  subject: string;
  text: string;
  messageId: string;
  inReplyTo?: string;
  references?: string[];
  headers?: Record<string, string>;
  /**
   * Files that travel with the mail, built in memory: the original signal as message/rfc822
   * (RFC 2046 5.2.1), so that the contact sees exactly what was sent, its attachments included.
   */
  attachments?: OutgoingAttachment[];
  /** RFC 8098 disposition notification: when set, the mail is sent as multipart/report. */
  disposition?: {
    originalMessageId?: string;
    finalRecipient: string;
    reportingUa: string;
    disposition: string;
  };
}

export interface OutgoingAttachment {
  /** A fixed name: never the signal's subject, which may hold a child's name. */
  filename: string;
  contentType: 'message/rfc822';
  content: Buffer;
}

/**
 * What the SMTP server said about each recipient, as it said it (RFC 5321 4.2.1): a 2yz reply
 * accepted it, a 5yz refused it for good, a 4yz only "not now". Only `rejected` may ever count as
 * a contact that cannot be reached; a deferred recipient is tried again at the next check.
 */
export interface SendResult {
  accepted: string[];
  /** Refused permanently (5yz). */
  rejected: string[];
  /** Refused for now (4yz), at RCPT, MAIL or DATA; absent means none. */
  deferred?: string[];
  /**
   * The server refused the mail for its size (RFC 3463 5.3.4, RFC 1870 SIZE, a 552 to MAIL or
   * DATA): nothing was delivered; the same mail without its attachments may go. Absent means none.
   */
  tooBig?: string[];
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<SendResult>;
  /**
   * Connects and signs in, sending nothing: a wrong password is found on a quiet morning, not on
   * the one a signal needs it. Throws a MailerError whose code says what failed.
   */
  verify?(): Promise<void>;
  close(): void;
  /**
   * Closes every connection at once, also one whose mail waits for the server's answer: that send
   * then fails. For a check that ran out of time, so that no send completes behind its back.
   */
  abort?(): void;
}

/**
 * One signal's workflow row: a key, times and roles, never content. Keyed by role, in the shape
 * nextSignalStep (decide.ts) reads, so that no code has to turn a role into a field name.
 */
export interface SignalRecord {
  key: string;
  /** The folder the signal was found in, when not INBOX (a spam filter filed it under \Junk). */
  folder?: string;
  /** UIDVALIDITY of the signal's folder. */
  uidValidity: string;
  uid: number;
  /** When the check that found the signal started: deadlines and purgeAfter count from here. */
  receivedAt: string;
  /** When the signal reached the mailbox (INTERNALDATE or Date, arrival.ts): for the texts only. */
  arrivedAt?: string;
  /** When SMTP accepted the notification to each contact. */
  notified: Partial<Record<ContactRole, string>>;
  /** The contact could not be reached: refused at RCPT time, or a bounce of our notification came back. */
  refused: Partial<Record<ContactRole, string>>;
  /** When an automatic absence reply (RFC 3834) from the primary to its notification came back. */
  outOfOfficeAt?: string;
  acknowledgedAt?: string;
  mdnSentAt?: string;
  confirmedAt?: string;
  confirmedBy?: ContactRole;
  escalatedAt?: string;
  escalationReason?: EscalationReason;
  reminderSentAt?: string;
  /** Link mode: when the primary contact said on the page that they cannot act today. */
  handedOnAt?: string;
  purgedAt?: string;
  purgeVerified?: boolean;
  /**
   * When a notification went out without the original it needed (too big to attach, or refused
   * for its size): the contact was told to read the signal in the HwC mailbox, and only a
   * confirmation ends the hold; neither purgeAfter nor a complete escalation purges it. With
   * notify: both also when the original went attached, so that a bounce of it finds the signal.
   */
  heldAt?: string;
  /**
   * Link mode: when a contact first revealed the signal on the page. Only after it does purgeAfter
   * purge a signal, since a content-free notification shows nobody the child.
   */
  revealedAt?: string;
  /**
   * Link mode: when the check sent the thank-you and the notice to the other contact after a
   * confirmation on the page (which has no mailer): set once, so that they go once.
   */
  confirmedNoticesAt?: string;
  needsReview: boolean;
  children: number;
}

export interface StateStore {
  /** The per-install secret behind every HMAC; created on first use. */
  secret(): Buffer;
  getSignal(key: string): SignalRecord | undefined;
  findSignalByKeyPrefix(prefix: string): SignalRecord | undefined;
  allSignals(): SignalRecord[];
  putSignal(record: SignalRecord): void;
  deleteSignal(key: string): void;
  getMeta(name: string): string | undefined;
  setMeta(name: string, value: string): void;
  /** Runs `work` in one transaction, so that a workflow row and its audit row land together. */
  transaction<T>(work: () => T): T;
  close(): void;
}

/**
 * A row of the audit log: dates, counts and outcomes. `alarm` records a dead-man alarm
 * (`kind: 'dead-man'`, `outcome: 'sent' | 'failed'`); `proof-of-life` the weekly mail and the
 * self-test (core/proof-of-life.ts).
 */
export interface AuditEntry {
  at: string;
  type: 'check' | 'signal' | 'prune' | 'alarm' | 'proof-of-life';
  data: Record<string, string | number | boolean>;
}

export interface AuditRow extends AuditEntry {
  id: number;
  prevHash: string;
  hash: string;
}

export interface AuditLog {
  append(entry: AuditEntry): AuditRow;
  rows(): AuditRow[];
}

/** Why a raw mail could not be read: fixed codes, never text from the mail. */
export const PARSE_FAILURES = [
  'too-big',
  'header-too-large',
  'too-deeply-nested',
  'too-many-parts',
  'timeout',
  'unparseable',
] as const;

export type ParseFailureReason = (typeof PARSE_FAILURES)[number];

export type ParseResult = { ok: true; facts: MailFacts } | { ok: false; reason: ParseFailureReason };

export interface MailParser {
  /** Reads one raw mail into MailFacts, within `maxBytes`, or says why not. Never throws. */
  parse(raw: Buffer, maxBytes: number): Promise<ParseResult>;
}

/** The fields of one log line: only names from the allowlist (log-fields.ts) compile. */
export type LogFields = { [F in LogField]?: unknown };

/** Structured logging with a fixed English message; pino's Logger fits this port. */
export interface Logger {
  info(fields: LogFields, msg: string): void;
  warn(fields: LogFields, msg: string): void;
  error(fields: LogFields, msg: string): void;
}
