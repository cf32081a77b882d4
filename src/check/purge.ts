import type { Mailbox, SignalRecord } from '../core/ports.js';
import { KEYWORD } from '../core/decide.js';
import { signalEntry } from '../core/audit-entry.js';
import type { CheckDeps } from './context.js';
import { contentDigest, headerMessageId } from './body-digest.js';

/**
 * The signal's own Message-ID and content (decoded Subject and body): copies of it elsewhere are
 * found by the Message-ID and removed only when their content is this signal's, because a reused
 * Message-ID may name another signal that nobody was told about yet.
 */
export interface SignalCopies {
  messageId: string;
  contentDigest: string;
}

/** Message-IDs compare without brackets and case (RFC 5322 3.6.4), as the IMAP search matches them. */
function normalId(id: string | undefined): string | undefined {
  return id?.replace(/^<|>$/g, '').trim().toLowerCase();
}

/** The UIDs in `folder` of our own mails (by Message-ID) and of copies of this signal (by body too). */
async function handledUids(
  mailbox: Mailbox,
  folder: string,
  messageIds: string[],
  copies: SignalCopies | undefined,
  own?: number,
): Promise<number[]> {
  if (!copies) return mailbox.findByMessageId(folder, messageIds);
  // One search per folder, as before: a large INBOX makes each SEARCH cost time.
  const uids: number[] = [];
  const ours = new Set(messageIds.map(normalId));
  for (const uid of await mailbox.findByMessageId(folder, [...messageIds, copies.messageId])) {
    // The signal itself is deleted by its UID; only other messages need a look.
    if (uid === own) continue;
    const source = await mailbox.fetchSource(uid, folder);
    if (!source) continue;
    // Ours only if its id is one of our own mails' or its content is the signal's: another signal
    // with the signal's Message-ID in other case or without brackets is not ours to delete.
    const id = normalId(headerMessageId(source));
    if (ours.has(id) || contentDigest(source) === copies.contentDigest) uids.push(uid);
  }
  return uids;
}

/**
 * Removes a handled signal and every copy of it and of our own mails about it, then looks again.
 * \Sent, \Trash, \Junk and \All by Message-ID, because servers such as Microsoft 365 and Gmail keep
 * copies of submitted and deleted mail there; the signal's own folder (INBOX, or \Junk) last, so
 * that a purge cut short by a crash is found again, whole, by the next check. Resolves whether
 * nothing was found afterwards.
 */
export async function purge(
  deps: CheckDeps,
  mailbox: Mailbox,
  messageIds: string[],
  inboxUid: number | undefined,
  step: (name: string) => void,
  folder = 'INBOX',
  copies?: SignalCopies,
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
      await handledUids(mailbox, folders.all, messageIds, copies),
      folders.trash,
    );
  }
  // Each folder is selected once: found, deleted and looked at again in the same selection.
  const order = [...others.filter((f) => f !== folder), ...(folder === 'INBOX' ? [] : ['INBOX'])];
  const left: string[] = [];
  for (const each of order) {
    if (!(await purgeIn(mailbox, each, messageIds, [], copies))) left.push(each);
  }
  step('mid-purge');
  const own = inboxUid === undefined ? [] : [inboxUid];
  if (!(await purgeIn(mailbox, folder, messageIds, own, copies))) left.push(folder);
  const verified = left.length === 0;
  deps.logger[verified ? 'info' : 'error'](
    { step: 'purge', outcome: verified ? 'verified' : 'not-verified', folders: ['INBOX', ...others] },
    verified ? 'signal purged and verified' : 'purge could not be verified',
  );
  return verified;
}

/** Purges one folder, and says whether nothing of the signal is left in it. */
async function purgeIn(
  mailbox: Mailbox,
  folder: string,
  messageIds: string[],
  uids: number[],
  copies: SignalCopies | undefined,
): Promise<boolean> {
  if (mailbox.purgeFolder) {
    const copyOf = copies && {
      messageId: copies.messageId,
      matches: (source: Buffer) => contentDigest(source) === copies.contentDigest,
    };
    return mailbox.purgeFolder(folder, messageIds, uids, copyOf);
  }
  const found = await handledUids(mailbox, folder, messageIds, copies, uids[0]);
  await mailbox.deleteUids(folder, [...new Set([...found, ...uids])]);
  const listed = async () =>
    folder === 'INBOX' ? mailbox.listInbox() : (await mailbox.listHeaders(folder)).entries;
  const uidLeft = uids.length > 0 && (await listed()).some((entry) => uids.includes(entry.uid));
  return !uidLeft && (await handledUids(mailbox, folder, messageIds, copies)).length === 0;
}

/** Marks a signal purged and writes its audit row, in one transaction. */
export function finishSignal(
  deps: CheckDeps,
  record: SignalRecord,
  verified: boolean,
  why: string,
  keywords: string[],
): SignalRecord {
  const { store, clock } = deps;
  const purgedAt = clock.now().toISOString();
  const finished: SignalRecord = { ...record, purgedAt, purgeVerified: verified };
  const entry = signalEntry({
    receivedAt: record.receivedAt,
    purgedAt,
    children: record.children,
    needsReview: record.needsReview,
    notifiedPrimary: Boolean(record.notified.primary),
    notifiedBackup: Boolean(record.notified.backup),
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
