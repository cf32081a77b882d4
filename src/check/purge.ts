import type { Mailbox, SignalRecord } from '../core/ports.js';
import { KEYWORD } from '../core/decide.js';
import { signalEntry } from '../core/audit-entry.js';
import type { CheckDeps } from './context.js';

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
  // Each folder is selected once: found, deleted and looked at again in the same selection.
  const order = [...others.filter((f) => f !== folder), ...(folder === 'INBOX' ? [] : ['INBOX'])];
  const left: string[] = [];
  for (const each of order) {
    if (!(await purgeIn(mailbox, each, messageIds, []))) left.push(each);
  }
  step('mid-purge');
  const own = inboxUid === undefined ? [] : [inboxUid];
  if (!(await purgeIn(mailbox, folder, messageIds, own))) left.push(folder);
  const verified = left.length === 0;
  deps.logger[verified ? 'info' : 'error'](
    { step: 'purge', outcome: verified ? 'verified' : 'not-verified', folders: ['INBOX', ...others] },
    verified ? 'signal purged and verified' : 'purge could not be verified',
  );
  return verified;
}

/** Purges one folder, and says whether nothing of the signal is left in it. */
async function purgeIn(mailbox: Mailbox, folder: string, messageIds: string[], uids: number[]) {
  if (mailbox.purgeFolder) return mailbox.purgeFolder(folder, messageIds, uids);
  const found = await mailbox.findByMessageId(folder, messageIds);
  await mailbox.deleteUids(folder, [...new Set([...found, ...uids])]);
  const listed = async () =>
    folder === 'INBOX' ? mailbox.listInbox() : (await mailbox.listHeaders(folder)).entries;
  const uidLeft = uids.length > 0 && (await listed()).some((entry) => uids.includes(entry.uid));
  return !uidLeft && (await mailbox.findByMessageId(folder, messageIds)).length === 0;
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
