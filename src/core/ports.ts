/**
 * The small interfaces through which the use case talks to the world. Adapters in src/adapters
 * implement them with imapflow, nodemailer, better-sqlite3 and the system clock; unit tests use fakes.
 */

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

/** What the listing step knows of an INBOX message before its content is fetched. */
export interface InboxEntry {
  uid: number;
  size: number;
  flags: string[];
}

/**
 * Which kind of server this is, because deleting works differently: Gmail keeps every message in
 * \All until it is expunged from \Trash; Exchange Online keeps deleted mail in Recoverable Items.
 */
export type MailProvider = 'gmail' | 'exchange' | 'generic';

export interface Mailbox {
  /** INBOX's UIDVALIDITY (RFC 3501 2.3.1.1): a UID means the same message only within one value. */
  readonly uidValidity: string;
  readonly folders: MailboxFolders;
  readonly provider: MailProvider;
  listInbox(): Promise<InboxEntry[]>;
  fetchSource(uid: number): Promise<Buffer | undefined>;
  addKeywords(uid: number, keywords: string[]): Promise<void>;
  /** UIDs in `folder` whose Message-ID header is exactly one of `messageIds` (checked header by header). */
  findByMessageId(folder: string, messageIds: string[]): Promise<number[]>;
  /** Deletes exactly these UIDs with UID EXPUNGE (RFC 4315); never a plain EXPUNGE. */
  deleteUids(folder: string, uids: number[]): Promise<void>;
  /** Moves these UIDs to another folder (RFC 6851 MOVE). */
  moveUids(folder: string, uids: number[], destination: string): Promise<void>;
  close(): Promise<void>;
}

export interface MailboxOpener {
  open(options: { readOnly: boolean }): Promise<Mailbox>;
}

export interface OutgoingMail {
  /** For logs and audit only: which kind of mail this is. */
  kind: 'notification' | 'acknowledgement' | 'mdn' | 'alert' | 'reminder';
  to: string[];
  subject: string;
  text: string;
  messageId: string;
  inReplyTo?: string;
  references?: string[];
  headers?: Record<string, string>;
  /** RFC 8098 disposition notification: when set, the mail is sent as multipart/report. */
  disposition?: {
    originalMessageId?: string;
    finalRecipient: string;
    reportingUa: string;
    disposition: string;
  };
}

export interface SendResult {
  accepted: string[];
  rejected: string[];
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<SendResult>;
  close(): void;
}

/** One signal's workflow row: a key, times and roles, never content. */
export interface SignalRecord {
  key: string;
  uidValidity: string;
  uid: number;
  receivedAt: string;
  notifiedPrimaryAt?: string;
  notifiedBackupAt?: string;
  refusedPrimaryAt?: string;
  refusedBackupAt?: string;
  acknowledgedAt?: string;
  mdnSentAt?: string;
  confirmedAt?: string;
  confirmedBy?: 'primary' | 'backup';
  escalatedAt?: string;
  escalationReason?: 'absent' | 'unreachable' | 'no-confirmation' | 'deadline';
  reminderSentAt?: string;
  purgedAt?: string;
  purgeVerified?: boolean;
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
  close(): void;
}

/** A row of the audit log: dates, counts and outcomes. */
export interface AuditEntry {
  at: string;
  type: 'check' | 'signal' | 'prune';
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
