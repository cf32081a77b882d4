import type { ListResponse, SearchObject } from 'imapflow';
import type {
  SignalCopyTest,
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
  private early: { readOnly: boolean; opening: Promise<Mailbox>; settled: boolean } | undefined;

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
        // A prepared connection is the first attempt: its failure is retried as any other.
        const prepared = attempt === 0 ? this.takePrepared(options) : undefined;
        return await (prepared ?? this.openOnce(options));
      } catch (err) {
        const delay = this.retry.delaysMs[attempt];
        if (delay === undefined || this.aborted || !isRetryable(err)) throw err;
        this.retry.onRetry?.(attempt + 1, err.code, delay);
        await sleep(delay);
      }
    }
  }

  /**
   * Connects, signs in and opens INBOX now, while the check does its local work (the lock, the
   * state database): the server's greeting, TLS and sign-in are mostly waiting (about 50 ms on a
   * local Dovecot, more across a network). It only lists the folders and selects INBOX, as
   * open() does; discard() signs out when the check never came to open().
   */
  prepare(options: { readOnly: boolean }): void {
    if (this.early !== undefined || this.aborted) return;
    const early = { readOnly: options.readOnly, opening: this.openOnce(options), settled: false };
    // Seen by open() or by discard(); until then a failure must not count as unhandled.
    early.opening.then(
      () => (early.settled = true),
      () => (early.settled = true),
    );
    this.early = early;
  }

  async discard(): Promise<void> {
    const early = this.early;
    this.early = undefined;
    if (early === undefined) return;
    if (!early.settled) {
      // Still connecting: closed now rather than waited for, as a server that does not answer
      // would hold the process until its timeout. No other connection of this opener is open.
      for (const client of this.clients) client.close();
      this.clients.clear();
      void early.opening.then((mailbox) => mailbox.close()).catch(() => undefined);
      return;
    }
    const mailbox = await early.opening.catch(() => undefined);
    await mailbox?.close();
  }

  private takePrepared(options: { readOnly: boolean }): Promise<Mailbox> | undefined {
    const early = this.early;
    if (early === undefined) return undefined;
    if (early.readOnly !== options.readOnly) {
      void this.discard();
      return undefined;
    }
    this.early = undefined;
    return early.opening;
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

  async fetchSources(uids: readonly number[], folder = 'INBOX'): Promise<Map<number, Buffer>> {
    const sources = new Map<number, Buffer>();
    if (uids.length === 0) return sources;
    return this.inFolder(folder, async () => {
      // One UID FETCH of BODY.PEEK[] for the batch (RFC 3501 6.4.5): \Seen is not set.
      for await (const message of this.client.fetch(
        uids.join(','),
        { uid: true, source: true },
        { uid: true },
      )) {
        if (message.source) sources.set(message.uid, message.source);
      }
      return sources;
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
    return this.inFolder(folder, () => this.matching(messageIds, []));
  }

  /**
   * In one selection of `folder`: finds these UIDs and every message whose Message-ID is one of
   * `messageIds` (one combined SEARCH), deletes them by UID EXPUNGE and searches again. About six
   * commands for a folder that holds a copy, two for one that does not, however many ids.
   */
  async purgeFolder(
    folder: string,
    messageIds: string[],
    uids: readonly number[] = [],
    copyOf?: SignalCopyTest,
  ): Promise<boolean> {
    const ids = copyOf ? [...messageIds, copyOf.messageId] : messageIds;
    if (ids.length === 0 && uids.length === 0) return true;
    this.requireUidPlus();
    return this.inFolder(folder, async () => {
      const found = await this.copiesOnly(await this.matching(ids, uids), uids, copyOf);
      if (found.length === 0) return true;
      if (this.readOnly) return false;
      await this.deleteSelected(found);
      return (await this.copiesOnly(await this.matching(ids, uids), uids, copyOf)).length === 0;
    });
  }

  /**
   * Of the matches in the selected folder, the ones with the signal's Message-ID stay unless their
   * source is the signal's (one FETCH for all of them; such copies are rare: a forward in Sent, a
   * deleted one in Trash).
   */
  private async copiesOnly(
    found: number[],
    uids: readonly number[],
    copyOf: SignalCopyTest | undefined,
  ): Promise<number[]> {
    if (!copyOf) return found;
    const given = new Set(uids);
    const unsure = found.filter((uid) => !given.has(uid));
    if (unsure.length === 0) return found;
    const wanted = copyOf.messageId.toLowerCase();
    const drop = new Set<number>();
    const query = { uid: true, envelope: true, source: true };
    for await (const message of this.client.fetch(unsure.join(','), query, { uid: true })) {
      const id = message.envelope?.messageId?.replace(/^<|>$/g, '').toLowerCase();
      if (id === wanted && !(message.source && copyOf.matches(message.source))) drop.add(message.uid);
    }
    return found.filter((uid) => !drop.has(uid));
  }

  /**
   * One SEARCH for all of them: the Message-IDs and the UID set combined with OR (RFC 3501 6.4.4),
   * where a search per Message-ID cost one round trip each. Gmail's own search (X-GM-RAW) finds a
   * message by Message-ID across every label.
   */
  private matchQuery(messageIds: string[], uids: readonly number[]): SearchObject {
    const byId = messageIds.map((id): SearchObject =>
      this.provider === 'gmail' ? { gmraw: `rfc822msgid:${id}` } : { header: { 'message-id': id } },
    );
    return { or: [...byId, ...(uids.length > 0 ? [{ uid: uids.join(',') }] : [])] };
  }

  /** UIDs in the selected folder that are one of `uids` or whose Message-ID is exactly one of `messageIds`. */
  private async matching(messageIds: string[], uids: readonly number[]): Promise<number[]> {
    const hits = await this.client.search(this.matchQuery(messageIds, uids), { uid: true });
    if (hits === false || hits === undefined) {
      throw new MailboxError('IMAP_SEARCH_FAILED', 'IMAP search failed');
    }
    const given = new Set(uids);
    const exact = hits.filter((uid) => given.has(uid));
    // SEARCH HEADER is a substring match (RFC 3501 6.4.4): every other hit is checked exactly, in
    // one FETCH of their envelopes.
    const unsure = hits.filter((uid) => !given.has(uid));
    if (unsure.length > 0) {
      const wanted = new Set(messageIds.map((id) => id.toLowerCase()));
      const query = { uid: true, envelope: true };
      for await (const message of this.client.fetch(unsure.join(','), query, { uid: true })) {
        const id = message.envelope?.messageId?.replace(/^<|>$/g, '').toLowerCase();
        if (id && wanted.has(id)) exact.push(message.uid);
      }
    }
    return exact.sort((a, b) => a - b);
  }

  /** Without UIDPLUS (RFC 4315) imapflow falls back to a plain EXPUNGE, which would also remove
   * any other message that someone flagged \Deleted. Refuse instead. */
  private requireUidPlus(): void {
    if (!this.client.capabilities.has('UIDPLUS')) {
      throw new PurgeError('IMAP_NO_UIDPLUS', 'IMAP server lacks UIDPLUS; refusing a plain EXPUNGE');
    }
  }

  /** UID STORE +FLAGS (\Deleted), then UID EXPUNGE of exactly these, in the selected folder. */
  private async deleteSelected(uids: number[]): Promise<void> {
    // messageDelete() returns false instead of throwing.
    const ok = await this.client.messageDelete(uids.join(','), { uid: true });
    if (!ok) throw new PurgeError('IMAP_DELETE_FAILED', 'IMAP server refused to delete');
  }

  async deleteUids(folder: string, uids: number[]): Promise<void> {
    if (uids.length === 0 || this.readOnly) return;
    this.requireUidPlus();
    await this.inFolder(folder, () => this.deleteSelected(uids));
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
