import type {
  Clock,
  FolderListing,
  InboxEntry,
  MailProvider,
  Mailbox,
  MailboxFolders,
  MailboxOpener,
  Mailer,
  OutgoingMail,
  SendResult,
} from '../../src/core/ports.js';
import { MailboxError, MailerError } from '../../src/core/errors.js';

/** A clock that only moves when a test moves it. */
export class FixedClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

interface StoredMessage {
  uid: number;
  raw: Buffer;
  flags: string[];
}

const messageIdOf = (raw: Buffer): string | undefined =>
  /^message-id:\s*<([^>]+)>/im.exec(raw.toString('latin1').split(/\r?\n\r?\n/)[0] ?? '')?.[1];

/** The addresses of the From header, as a server's ENVELOPE would give them. */
const fromOf = (raw: Buffer): string[] => {
  const header = /^from:(.*)$/im.exec(raw.toString('latin1').split(/\r?\n\r?\n/)[0] ?? '')?.[1] ?? '';
  return [...header.matchAll(/[^\s<>,"]+@[^\s<>,"]+/g)].map((m) => m[0].toLowerCase());
};

const entryOf = (m: StoredMessage): InboxEntry => ({
  uid: m.uid,
  size: m.raw.length,
  flags: [...m.flags],
  from: fromOf(m.raw),
});

/** An in-memory mailbox behind the project's own Mailbox port, for unit tests of the use case. */
export class FakeMailbox implements Mailbox, MailboxOpener {
  readonly uidValidity = '1';
  readonly provider: MailProvider = 'generic';
  readonly folders: MailboxFolders = { inbox: 'INBOX', sent: 'Sent', trash: 'Trash', junk: 'Junk' };
  readonly contents = new Map<string, StoredMessage[]>([
    ['INBOX', []],
    ['Sent', []],
    ['Trash', []],
    ['Junk', []],
  ]);
  private nextUid = 1;
  unreachable = false;
  opened = 0;

  add(folder: string, raw: string | Buffer, flags: string[] = []): number {
    const uid = this.nextUid++;
    this.folder(folder).push({ uid, raw: Buffer.isBuffer(raw) ? raw : Buffer.from(raw), flags: [...flags] });
    return uid;
  }

  folder(name: string): StoredMessage[] {
    const found = this.contents.get(name);
    if (!found) throw new Error(`no folder ${name}`);
    return found;
  }

  async open(): Promise<Mailbox> {
    if (this.unreachable) throw new MailboxError('IMAP_ECONNREFUSED', 'IMAP server could not be reached');
    this.opened += 1;
    return this;
  }

  /** Every call of a listing, fetch or store, so that tests can count the work of one check. */
  readonly calls: string[] = [];

  async listInbox(): Promise<InboxEntry[]> {
    return this.folder('INBOX').map((m) => ({ uid: m.uid, size: m.raw.length, flags: [...m.flags] }));
  }

  async listHeaders(folder = 'INBOX'): Promise<FolderListing> {
    this.calls.push(`list ${folder}`);
    return { uidValidity: this.uidValidity, entries: this.folder(folder).map(entryOf) };
  }

  async fetchSource(uid: number, folder = 'INBOX'): Promise<Buffer | undefined> {
    this.calls.push(`fetch ${folder} ${uid}`);
    return this.folder(folder).find((m) => m.uid === uid)?.raw;
  }

  async addKeywords(uid: number | readonly number[], keywords: string[], folder = 'INBOX'): Promise<void> {
    const uids = typeof uid === 'number' ? [uid] : uid;
    this.calls.push(`store ${folder} ${uids.length} ${keywords.join(',')}`);
    for (const message of this.folder(folder).filter((m) => uids.includes(m.uid))) {
      message.flags.push(...keywords.filter((k) => !message.flags.includes(k)));
    }
  }

  async findByMessageId(folder: string, messageIds: string[]): Promise<number[]> {
    const wanted = new Set(messageIds.map((id) => id.toLowerCase()));
    return this.folder(folder)
      .filter((m) => wanted.has(messageIdOf(m.raw)?.toLowerCase() ?? ''))
      .map((m) => m.uid);
  }

  async deleteUids(folder: string, uids: number[]): Promise<void> {
    const list = this.folder(folder);
    this.contents.set(
      folder,
      list.filter((m) => !uids.includes(m.uid)),
    );
  }

  async moveUids(folder: string, uids: number[], destination: string): Promise<void> {
    const moving = this.folder(folder).filter((m) => uids.includes(m.uid));
    await this.deleteUids(folder, uids);
    for (const message of moving) this.add(destination, message.raw, message.flags);
  }

  async close(): Promise<void> {}
}

/**
 * A Gmail-like mailbox: folders are labels on one set of messages. Deleting from a folder removes
 * its label only, the message stays in \All; only an expunge from \Trash deletes it. Used because
 * the test stack's Dovecot cannot offer X-GM-EXT-1.
 */
export class GmailLikeMailbox implements Mailbox, MailboxOpener {
  readonly uidValidity = '1';
  readonly provider: MailProvider = 'gmail';
  readonly folders: MailboxFolders = {
    inbox: 'INBOX',
    sent: '[Gmail]/Sent Mail',
    trash: '[Gmail]/Trash',
    junk: '[Gmail]/Spam',
    all: '[Gmail]/All Mail',
  };
  private readonly messages: { id: number; raw: Buffer; labels: Set<string>; flags: string[] }[] = [];
  private nextId = 1;

  add(labels: string[], raw: string): number {
    const id = this.nextId++;
    this.messages.push({ id, raw: Buffer.from(raw), labels: new Set(labels), flags: [] });
    return id;
  }

  in(folder: string): { id: number; raw: Buffer; flags: string[] }[] {
    if (folder === this.folders.all) {
      return this.messages.filter(
        (m) => !m.labels.has(this.folders.trash!) && !m.labels.has(this.folders.junk!),
      );
    }
    return this.messages.filter((m) => m.labels.has(folder));
  }

  async open(): Promise<Mailbox> {
    return this;
  }
  async listInbox(): Promise<InboxEntry[]> {
    return this.in('INBOX').map((m) => ({ uid: m.id, size: m.raw.length, flags: [...m.flags] }));
  }
  async listHeaders(folder = 'INBOX'): Promise<FolderListing> {
    const entries = this.in(folder).map((m) => ({
      uid: m.id,
      size: m.raw.length,
      flags: [...m.flags],
      from: fromOf(m.raw),
    }));
    return { uidValidity: this.uidValidity, entries };
  }
  async fetchSource(uid: number, folder = 'INBOX'): Promise<Buffer | undefined> {
    return this.in(folder).find((m) => m.id === uid)?.raw;
  }
  async addKeywords(uid: number | readonly number[], keywords: string[]): Promise<void> {
    const uids = typeof uid === 'number' ? [uid] : uid;
    for (const message of this.messages.filter((m) => uids.includes(m.id))) message.flags.push(...keywords);
  }
  async findByMessageId(folder: string, messageIds: string[]): Promise<number[]> {
    const wanted = new Set(messageIds.map((id) => id.toLowerCase()));
    return this.in(folder)
      .filter((m) => wanted.has(messageIdOf(m.raw)?.toLowerCase() ?? ''))
      .map((m) => m.id);
  }
  async deleteUids(folder: string, uids: number[]): Promise<void> {
    for (const message of this.messages.filter((m) => uids.includes(m.id))) {
      if (folder === this.folders.trash) {
        this.messages.splice(this.messages.indexOf(message), 1);
      } else if (folder !== this.folders.all) {
        message.labels.delete(folder);
      }
    }
  }
  async moveUids(_folder: string, uids: number[], destination: string): Promise<void> {
    for (const message of this.messages.filter((m) => uids.includes(m.id))) {
      message.labels.clear();
      message.labels.add(destination);
    }
  }

  /** How many messages exist at all, under any label. */
  get total(): number {
    return this.messages.length;
  }
  async close(): Promise<void> {}
}

/** Records what would have been sent; can refuse recipients or be down. */
export class FakeMailer implements Mailer {
  readonly sent: OutgoingMail[] = [];
  down = false;
  refuse = new Set<string>();
  /** Recipients answered with a 4yz: neither accepted nor refused for good. */
  defer = new Set<string>();
  /** Fail after this many successful sends (a server that goes away mid-check). */
  failAfter = Number.POSITIVE_INFINITY;

  async send(mail: OutgoingMail): Promise<SendResult> {
    if (this.down || this.sent.length >= this.failAfter) {
      throw new MailerError('SMTP_ECONNREFUSED', `SMTP server did not accept the ${mail.kind}`);
    }
    const rejected = mail.to.filter((to) => this.refuse.has(to));
    const deferred = mail.to.filter((to) => this.defer.has(to) && !this.refuse.has(to));
    const accepted = mail.to.filter((to) => !this.refuse.has(to) && !this.defer.has(to));
    if (accepted.length > 0) this.sent.push(mail);
    return { accepted, rejected, deferred };
  }

  close(): void {}
}
