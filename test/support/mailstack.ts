/**
 * Helpers for integration tests against the private mail stack of `scripts/mailstack`
 * (Dovecot IMAP + LMTP, Postfix inbound SMTP + submission + sender relay, all on 127.0.0.1; DKIM
 * signing and verifying, DMARC: see `mail-auth.ts`).
 *
 * The vitest global setup (`test/integration/global-setup.ts`) starts the stack and puts its
 * connection details in `process.env` (`HWC_TEST_*`); outside vitest, `eval "$(scripts/mailstack env)"`
 * does the same. Every connection uses STARTTLS and verifies the server against the stack's own CA.
 *
 * - `mailstackEnv()`                     connection details
 * - `createUser(prefix?)`                a fresh mailbox in school.test; `createUserIn(domain, prefix?)`
 * - `deliver(raw, { from, to })`         raw message in through the inbound port, as from the internet
 * - `submit(user, raw, { from, to })`    raw message out through the submission port, authenticated
 * - `sendThrough(port, raw, { from, to })` raw message in through another unauthenticated port
 * - `appendMessage(user, folder, raw)`   IMAP APPEND
 * - `listMessages(user, folder)`         every message with uid, flags, raw headers and source
 * - `waitForMessages(user, folder, n)`   polls until a folder holds at least n messages
 * - `listFolders(user)`                  folders with their special-use flag
 * - `mailboxSnapshot(user)`              deterministic digest of every folder, to prove nothing changed
 * - `withImap(user, fn)`                 runs fn with a logged-in ImapFlow client
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';

const execFileAsync = promisify(execFile);

/** The `scripts/mailstack` command. */
export const MAILSTACK_SCRIPT = resolve(import.meta.dirname, '../../scripts/mailstack');

/** Domains whose mail the stack accepts; a user in any of them is a Dovecot user. */
export const TEST_DOMAINS = ['school.test', 'veiligthuis.test', 'gemeente.test', 'example.test'] as const;
export type TestDomain = (typeof TEST_DOMAINS)[number];

export interface MailstackEnv {
  host: string;
  imapPort: number;
  submissionPort: number;
  inboundPort: number;
  /** The senders' side: DKIM-signs for the external test domains, then relays to the inbound port. */
  senderPort: number;
  /** The authserv-id in the Authentication-Results that the inbound port's milters add. */
  authservId: string;
  /** PEM file of the private CA that signed the servers' certificate. */
  caFile: string;
  /** The stack's private directory (config, logs, maildirs). */
  dir: string;
}

export interface MailUser {
  address: string;
  password: string;
}

export interface StoredMessage {
  uid: number;
  /** Sorted; without the session flag \\Recent, which depends on who looked first. */
  flags: string[];
  /** The raw header block, without the empty line that ends it. */
  headers: string;
  source: Buffer;
}

export interface FolderInfo {
  path: string;
  /** `\Sent`, `\Trash`, `\Junk`, `\Drafts`, `\Archive`, `\Inbox` or null. */
  specialUse: string | null;
}

export interface MailboxSnapshot {
  folders: {
    path: string;
    specialUse: string | null;
    uidValidity: string;
    uidNext: number;
    messages: { uid: number; flags: string[]; sha256: string }[];
  }[];
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: run the integration project (its global setup starts the mail stack) ` +
        'or eval "$(scripts/mailstack env)" after scripts/mailstack start',
    );
  }
  return value;
}

/** Connection details of the running stack, from the `HWC_TEST_*` environment variables. */
export function mailstackEnv(): MailstackEnv {
  return {
    host: requireEnv('HWC_TEST_MAIL_HOST'),
    imapPort: Number(requireEnv('HWC_TEST_IMAP_PORT')),
    submissionPort: Number(requireEnv('HWC_TEST_SUBMISSION_PORT')),
    inboundPort: Number(requireEnv('HWC_TEST_INBOUND_PORT')),
    senderPort: Number(requireEnv('HWC_TEST_SENDER_PORT')),
    authservId: requireEnv('HWC_TEST_AUTHSERV_ID'),
    caFile: requireEnv('HWC_TEST_CA_FILE'),
    dir: requireEnv('HWC_TEST_MAILSTACK_DIR'),
  };
}

/** The CA certificate(s) to trust, for a `tls: { ca }` option. */
export function caCertificates(env: MailstackEnv = mailstackEnv()): Buffer[] {
  return [readFileSync(env.caFile)];
}

/** Adds a mailbox with `scripts/mailstack adduser`; it can log in and receive mail at once. */
export async function addUser(address: string, password: string): Promise<MailUser> {
  const env = mailstackEnv();
  await execFileAsync(MAILSTACK_SCRIPT, ['adduser', address, password], {
    env: { ...process.env, HWC_MAILSTACK_DIR: env.dir },
  });
  return { address: address.toLowerCase(), password };
}

/** A fresh user with a unique address `<prefix>-<random>@<domain>` and a random password. */
export function createUserIn(domain: TestDomain, prefix = 'user'): Promise<MailUser> {
  const local = `${prefix.toLowerCase().replace(/[^a-z0-9.-]+/g, '-')}-${randomBytes(5).toString('hex')}`;
  return addUser(`${local}@${domain}`, randomBytes(12).toString('base64url'));
}

/** A fresh user in school.test. */
export function createUser(prefix?: string): Promise<MailUser> {
  return createUserIn('school.test', prefix);
}

function smtpTransport(port: number, user?: MailUser) {
  const env = mailstackEnv();
  return nodemailer.createTransport({
    host: env.host,
    port,
    secure: false,
    requireTLS: true,
    tls: { ca: caCertificates(env) },
    ...(user ? { auth: { user: user.address, pass: user.password } } : {}),
  });
}

async function send(port: number, user: MailUser | undefined, raw: string | Buffer, envelope: Envelope) {
  const transport = smtpTransport(port, user);
  try {
    const info = await transport.sendMail({ envelope: { from: envelope.from, to: envelope.to }, raw });
    if (info.rejected.length > 0) {
      throw new Error(`recipients rejected: ${info.rejected.map(String).join(', ')}`);
    }
  } finally {
    transport.close();
  }
}

export interface Envelope {
  from: string;
  to: string[];
}

/**
 * Sends a raw RFC 5322 message through the inbound SMTP port (no authentication, like mail from
 * the internet). Resolves once Postfix has accepted it; delivery into the mailbox follows
 * asynchronously, see `waitForMessages`. Rejects with nodemailer's error (`responseCode`) otherwise.
 */
export function deliver(raw: string | Buffer, envelope: Envelope): Promise<void> {
  return send(mailstackEnv().inboundPort, undefined, raw, envelope);
}

/** Sends a raw message through an unauthenticated port of the stack, such as `senderPort`. */
export function sendThrough(port: number, raw: string | Buffer, envelope: Envelope): Promise<void> {
  return send(port, undefined, raw, envelope);
}

/** Sends a raw message through the submission port, authenticated as `user` after STARTTLS. */
export function submit(user: MailUser, raw: string | Buffer, envelope: Envelope): Promise<void> {
  return send(mailstackEnv().submissionPort, user, raw, envelope);
}

/** Runs `fn` with an ImapFlow client logged in as `user` (STARTTLS, CA-verified); logs out after. */
export async function withImap<T>(user: MailUser, fn: (client: ImapFlow) => Promise<T>): Promise<T> {
  const env = mailstackEnv();
  const client = new ImapFlow({
    host: env.host,
    port: env.imapPort,
    secure: false,
    doSTARTTLS: true,
    tls: { ca: caCertificates(env) },
    auth: { user: user.address, pass: user.password },
    logger: false,
    disableAutoIdle: true,
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** IMAP APPEND of a raw message; resolves with the new message's UID when the server reports it. */
export function appendMessage(
  user: MailUser,
  folder: string,
  raw: string | Buffer,
  flags: string[] = [],
): Promise<number | undefined> {
  return withImap(user, async (client) => {
    const result = await client.append(folder, raw, flags);
    return result ? result.uid : undefined;
  });
}

function headerBlock(source: Buffer): string {
  const text = source.toString('utf8');
  const match = /\r?\n\r?\n/.exec(text);
  return match ? text.slice(0, match.index) : text;
}

interface FolderState {
  uidValidity: string;
  uidNext: number;
  messages: StoredMessage[];
}

async function readFolder(client: ImapFlow, folder: string): Promise<FolderState> {
  // EXAMINE, not SELECT: reading must not change \Recent or anything else.
  const lock = await client.getMailboxLock(folder, { readOnly: true });
  try {
    const mailbox = client.mailbox;
    if (!mailbox) throw new Error(`could not open ${folder}`);
    const state = { uidValidity: String(mailbox.uidValidity), uidNext: mailbox.uidNext };
    if (mailbox.exists === 0) return { ...state, messages: [] };
    const fetched = await client.fetchAll('1:*', { uid: true, flags: true, source: true });
    const messages = fetched
      .map((m) => {
        const source = m.source ?? Buffer.alloc(0);
        return {
          uid: m.uid,
          flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort(),
          headers: headerBlock(source),
          source,
        };
      })
      .sort((a, b) => a.uid - b.uid);
    return { ...state, messages };
  } finally {
    lock.release();
  }
}

/** Every message in `folder`, in UID order. Read-only (EXAMINE, BODY.PEEK). */
export function listMessages(user: MailUser, folder: string): Promise<StoredMessage[]> {
  return withImap(user, async (client) => (await readFolder(client, folder)).messages);
}

/** Polls until `folder` holds at least `count` messages, then returns them; rejects after `timeoutMs`. */
export async function waitForMessages(
  user: MailUser,
  folder: string,
  count: number,
  timeoutMs = 15_000,
): Promise<StoredMessage[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const messages = await listMessages(user, folder);
    if (messages.length >= count) return messages;
    if (Date.now() >= deadline) {
      throw new Error(
        `${user.address} ${folder}: ${messages.length} of ${count} messages after ${timeoutMs} ms`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function folders(client: ImapFlow): Promise<FolderInfo[]> {
  const list = await client.list();
  return list
    .map((f) => ({
      path: f.path,
      specialUse: f.specialUseSource === 'extension' || f.path === 'INBOX' ? (f.specialUse ?? null) : null,
    }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** Every folder of `user`, sorted by path, with the special-use flag the server announces. */
export function listFolders(user: MailUser): Promise<FolderInfo[]> {
  return withImap(user, folders);
}

/**
 * A deterministic digest of the whole mailbox: every folder (sorted by path) with UIDVALIDITY,
 * UIDNEXT and every message's uid, flags and sha256 of its source. Two equal snapshots mean nothing
 * was added, removed, flagged or moved, not even something added and expunged again.
 */
export function mailboxSnapshot(user: MailUser): Promise<MailboxSnapshot> {
  return withImap(user, async (client) => {
    const result: MailboxSnapshot = { folders: [] };
    for (const folder of await folders(client)) {
      const { uidValidity, uidNext, messages } = await readFolder(client, folder.path);
      result.folders.push({
        path: folder.path,
        specialUse: folder.specialUse,
        uidValidity,
        uidNext,
        messages: messages.map((m) => ({
          uid: m.uid,
          flags: m.flags,
          sha256: createHash('sha256').update(m.source).digest('hex'),
        })),
      });
    }
    return result;
  });
}
