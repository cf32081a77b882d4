import type { ListResponse } from 'imapflow';
import type {
  FolderListing,
  InboxEntry,
  MailProvider,
  Mailbox,
  MailboxFolders,
  MailboxOpener,
} from '../core/ports.js';
import { MailboxError, PurgeError } from '../core/errors.js';
import { OAuth2Error } from './oauth2-token.js';
import { connectImap, imapFailureCode, type ImapFlow, type ImapSettings } from './imap-client.js';

// Fallbacks for servers without SPECIAL-USE (RFC 6154), with the Dutch names that Outlook and
// webmail use on Dutch-language mailboxes.
const FOLDER_NAMES: Record<Exclude<keyof MailboxFolders, 'inbox'>, string[]> = {
  sent: ['sent', 'sent items', 'sent messages', 'verzonden', 'verzonden items', 'verzonden berichten'],
  trash: [
    'trash',
    'deleted',
    'deleted items',
    'deleted messages',
    'prullenbak',
    'verwijderde items',
    'verwijderd',
  ],
  junk: ['junk', 'spam', 'junk e-mail', 'junk email', 'ongewenste e-mail', 'ongewenste email'],
  all: ['all mail', '[gmail]/all mail', 'alle e-mail', '[gmail]/alle e-mail', 'archive', 'archief'],
};

const SPECIAL_USE: Record<Exclude<keyof MailboxFolders, 'inbox'>, string> = {
  sent: '\\Sent',
  trash: '\\Trash',
  junk: '\\Junk',
  all: '\\All',
};

/** Finds the folders to purge: by special-use flag first, then by a known name. Pure, for testing. */
export function findFolders(list: Pick<ListResponse, 'path' | 'specialUse' | 'flags'>[]): MailboxFolders {
  const folders: MailboxFolders = { inbox: 'INBOX' };
  for (const role of Object.keys(SPECIAL_USE) as (keyof typeof SPECIAL_USE)[]) {
    const byFlag = list.find((entry) => entry.flags?.has(SPECIAL_USE[role]));
    const bySpecialUse = list.find((entry) => entry.specialUse === SPECIAL_USE[role]);
    const byName = list.find((entry) => FOLDER_NAMES[role].includes(entry.path.toLowerCase()));
    const found = byFlag ?? bySpecialUse ?? byName;
    if (found) folders[role] = found.path;
  }
  return folders;
}

/**
 * Gmail announces X-GM-EXT-1; Exchange Online names itself in its ID response (RFC 2971) or is
 * reached at Microsoft's host. Pure, for testing.
 */
export function detectProvider(
  capabilities: Iterable<string>,
  serverName: string | undefined,
  host: string,
): MailProvider {
  if ([...capabilities].some((capability) => capability.toUpperCase() === 'X-GM-EXT-1')) return 'gmail';
  if (/exchange/i.test(serverName ?? '') || /(^|\.)(office365|outlook)\.com$/i.test(host)) return 'exchange';
  return 'generic';
}

export interface RetryPolicy {
  /** Pause before each further attempt; the whole check's watchdog still bounds the total. */
  delaysMs: number[];
  onRetry?: (attempt: number, code: string, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_RETRY: RetryPolicy = { delaysMs: [1_000, 3_000, 9_000] };

export class ImapMailboxOpener implements MailboxOpener {
  private readonly clients = new Set<ImapFlow>();
  private aborted = false;

  constructor(
    private readonly settings: ImapSettings,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  /** The watchdog fired: drop every connection, so that a hung server cannot hold the process. */
  abort(): void {
    this.aborted = true;
    for (const client of this.clients) client.close();
    this.clients.clear();
  }

  /**
   * A server that is restarting or a network that drops gets a few more tries with backoff. A
   * refused login does not: the password is wrong or changed, and every further try counts towards
   * an account lockout (Microsoft 365 smart lockout) or a fail2ban ban, morning after morning.
   */
  async open(options: { readOnly: boolean }): Promise<Mailbox> {
    const sleep = this.retry.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.openOnce(options);
      } catch (err) {
        const delay = this.retry.delaysMs[attempt];
        if (delay === undefined || this.aborted || !isRetryable(err)) throw err;
        this.retry.onRetry?.(attempt + 1, err.code, delay);
        await sleep(delay);
      }
    }
  }

  private async openOnce(options: { readOnly: boolean }): Promise<Mailbox> {
    let client: ImapFlow;
    try {
      // A new client per check: a connection left over from yesterday has nothing to offer.
      client = await connectImap(this.settings, {
        onClient: (created) => {
          this.clients.add(created);
          created.on('close', () => this.clients.delete(created));
        },
      });
    } catch (err) {
      // A token endpoint that is down or busy counts as a connection failure and is retried.
      if (err instanceof OAuth2Error && !err.permanent) throw new MailboxError(err.code, err.message);
      throw err;
    }
    try {
      const folders = findFolders(await client.list());
      const lock = await client.getMailboxLock('INBOX', { readOnly: options.readOnly });
      const uidValidity = client.mailbox ? String(client.mailbox.uidValidity) : '0';
      lock.release();
      const serverInfo = (client as unknown as { serverInfo?: { name?: string } | null }).serverInfo;
      const provider = detectProvider(client.capabilities.keys(), serverInfo?.name, this.settings.host);
      return new ImapMailbox(client, folders, uidValidity, options.readOnly, provider);
    } catch (err) {
      await client.logout().catch(() => client.close());
      throw new MailboxError(imapFailureCode(err), 'IMAP server failed while opening INBOX');
    }
  }
}

/** imapflow gives INTERNALDATE as a Date (or, from some servers, a string); ISO, or nothing when invalid. */
function isoOf(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isFinite(date.getTime()) ? date.toISOString() : undefined;
}

/** Only a connection that failed is worth another try; a server that said no means no. */
function isRetryable(err: unknown): err is MailboxError {
  return err instanceof MailboxError && err.code !== 'IMAP_AUTH_FAILED';
}

class ImapMailbox implements Mailbox {
  constructor(
    private readonly client: ImapFlow,
    readonly folders: MailboxFolders,
    readonly uidValidity: string,
    private readonly readOnly: boolean,
    readonly provider: MailProvider,
  ) {}

  private async inFolder<T>(folder: string, work: () => Promise<T>): Promise<T> {
    const lock = await this.client.getMailboxLock(folder, { readOnly: this.readOnly });
    try {
      return await work();
    } finally {
      lock.release();
    }
  }

  async listInbox(): Promise<InboxEntry[]> {
    return this.inFolder('INBOX', async () => {
      const entries: InboxEntry[] = [];
      const mailbox = this.client.mailbox;
      if (!mailbox || mailbox.exists === 0) return entries;
      for await (const message of this.client.fetch('1:*', { uid: true, flags: true, size: true })) {
        entries.push({ uid: message.uid, size: message.size ?? 0, flags: [...(message.flags ?? [])] });
      }
      return entries;
    });
  }

  async listHeaders(folder = 'INBOX'): Promise<FolderListing> {
    return this.inFolder(folder, async () => {
      const mailbox = this.client.mailbox;
      const uidValidity = mailbox ? String(mailbox.uidValidity) : '0';
      const entries: InboxEntry[] = [];
      if (!mailbox || mailbox.exists === 0) return { uidValidity, entries };
      // One FETCH for the whole folder (UID FLAGS RFC822.SIZE ENVELOPE): a flood of thousands costs
      // one round trip here, and no message is downloaded before triage chose it.
      // INTERNALDATE (RFC 3501 2.3.3) too: when the signal arrived, which the texts tell.
      const query = { uid: true, flags: true, size: true, envelope: true, internalDate: true };
      for await (const message of this.client.fetch('1:*', query)) {
        const from = (message.envelope?.from ?? [])
          .map((address) => address.address?.toLowerCase())
          .filter((address): address is string => typeof address === 'string' && address !== '');
        const internalDate = isoOf(message.internalDate);
        entries.push({
          uid: message.uid,
          size: message.size ?? 0,
          flags: [...(message.flags ?? [])],
          from,
          ...(internalDate ? { internalDate } : {}),
        });
      }
      return { uidValidity, entries };
    });
  }

  async fetchSource(uid: number, folder = 'INBOX'): Promise<Buffer | undefined> {
    return this.inFolder(folder, async () => {
      // imapflow fetches the source with BODY.PEEK[] (RFC 3501 6.4.5), so \Seen is not set.
      const message = await this.client.fetchOne(String(uid), { source: true }, { uid: true });
      return message ? message.source : undefined;
    });
  }

  async fetchMessage(
    uid: number,
    folder = 'INBOX',
  ): Promise<{ source: Buffer; internalDate?: string } | undefined> {
    return this.inFolder(folder, async () => {
      // BODY.PEEK[] and INTERNALDATE in one FETCH; \Seen is not set (RFC 3501 6.4.5).
      const message = await this.client.fetchOne(
        String(uid),
        { source: true, internalDate: true },
        { uid: true },
      );
      if (!message || !message.source) return undefined;
      const internalDate = isoOf(message.internalDate);
      return { source: message.source, ...(internalDate ? { internalDate } : {}) };
    });
  }

  async addKeywords(uid: number | readonly number[], keywords: string[], folder = 'INBOX'): Promise<void> {
    const uids = typeof uid === 'number' ? [uid] : uid;
    if (this.readOnly || uids.length === 0) return;
    await this.inFolder(folder, async () => {
      // One UID STORE for the whole batch.
      const ok = await this.client.messageFlagsAdd(uids.join(','), keywords, { uid: true });
      if (!ok) throw new MailboxError('IMAP_STORE_FAILED', 'IMAP server refused to set a keyword');
    });
  }

  async findByMessageId(folder: string, messageIds: string[]): Promise<number[]> {
    if (messageIds.length === 0) return [];
    return this.inFolder(folder, async () => {
      const found = new Set<number>();
      for (const id of messageIds) {
        // SEARCH HEADER is a substring match (RFC 3501 6.4.4), so each hit is checked exactly below.
        // Gmail's own search finds a message by Message-ID across every label.
        const query =
          this.provider === 'gmail' ? { gmraw: `rfc822msgid:${id}` } : { header: { 'message-id': id } };
        const uids = await this.client.search(query, { uid: true });
        if (uids === false || uids === undefined) {
          throw new MailboxError('IMAP_SEARCH_FAILED', 'IMAP search failed');
        }
        for (const uid of uids) found.add(uid);
      }
      if (found.size === 0) return [];
      const wanted = new Set(messageIds.map((id) => id.toLowerCase()));
      const exact: number[] = [];
      for await (const message of this.client.fetch(
        [...found].join(','),
        { uid: true, envelope: true },
        { uid: true },
      )) {
        const id = message.envelope?.messageId?.replace(/^<|>$/g, '').toLowerCase();
        if (id && wanted.has(id)) exact.push(message.uid);
      }
      return exact.sort((a, b) => a - b);
    });
  }

  async deleteUids(folder: string, uids: number[]): Promise<void> {
    if (uids.length === 0 || this.readOnly) return;
    // Without UIDPLUS (RFC 4315) imapflow falls back to a plain EXPUNGE, which would also remove
    // any other message that someone flagged \Deleted. Refuse instead.
    if (!this.client.capabilities.has('UIDPLUS')) {
      throw new PurgeError('IMAP_NO_UIDPLUS', 'IMAP server lacks UIDPLUS; refusing a plain EXPUNGE');
    }
    await this.inFolder(folder, async () => {
      // messageDelete() returns false instead of throwing.
      const ok = await this.client.messageDelete(uids.join(','), { uid: true });
      if (!ok) throw new PurgeError('IMAP_DELETE_FAILED', 'IMAP server refused to delete');
    });
  }

  async moveUids(folder: string, uids: number[], destination: string): Promise<void> {
    if (uids.length === 0 || this.readOnly) return;
    await this.inFolder(folder, async () => {
      // messageMove() returns false instead of throwing.
      const moved = await this.client.messageMove(uids.join(','), destination, { uid: true });
      if (!moved) throw new PurgeError('IMAP_MOVE_FAILED', 'IMAP server refused to move');
    });
  }

  async close(): Promise<void> {
    try {
      await this.client.logout();
    } catch {
      this.client.close();
    }
  }
}
