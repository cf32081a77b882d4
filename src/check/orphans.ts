import { ownMessageIds } from '../core/identity.js';
import type { Mailbox } from '../core/ports.js';
import type { CheckContext, CheckDeps } from './context.js';
import { finishSignal, purge } from './purge.js';

/** How long a purged signal's workflow row is kept, so that a late confirmation still counts. */
export const KEEP_FINISHED_MS = 7 * 24 * 3_600_000;

/**
 * Signals whose workflow is open in the state but that are no longer in INBOX: a check that was
 * killed after deleting the INBOX copy. The INBOX copy goes last in a purge, so the copies of our
 * own mails elsewhere are found by their derived Message-IDs, removed, verified, and recorded.
 */
export async function finishOrphans(ctx: CheckContext, seen: Set<string>): Promise<void> {
  const { deps, mailbox, counts } = ctx;
  const open = deps.store.allSignals().filter((record) => !record.purgedAt && !seen.has(record.key));
  if (open.length === 0) return;
  const present = presence(mailbox);
  for (const record of open) {
    const where = await present(record.folder ?? 'INBOX');
    if (record.uidValidity === where.uidValidity && where.uids.has(record.uid)) continue;
    const handled = Boolean(record.notified.primary || record.notified.backup);
    if (!handled) {
      // Someone removed it by hand before anyone was told: nothing to notify from; say so.
      deps.logger.warn(
        { step: 'purge', reason: 'removed-before-notification' },
        'an open signal left the inbox',
      );
    }
    const verified = await purge(
      deps,
      mailbox,
      ownMessageIds(deps.store.secret(), record.key, ctx.domain),
      undefined,
      () => undefined,
    );
    finishSignal(deps, record, verified, handled ? 'resumed' : 'removed-by-someone', []);
    counts.purged += 1;
    if (!verified) counts.purgeVerified = false;
  }
}

interface Presence {
  uidValidity: string;
  uids: Set<number>;
}

/**
 * Which UIDs each folder holds, listed once per folder. A row without a folder is an INBOX row;
 * a folder that is no longer found (the \Junk folder renamed away) holds nothing.
 */
function presence(mailbox: Mailbox): (folder: string) => Promise<Presence> {
  const listed = new Map<string, Presence>();
  return async (folder) => {
    const known = listed.get(folder);
    if (known) return known;
    let found: Presence = { uidValidity: '', uids: new Set() };
    if (folder === 'INBOX') {
      found = {
        uidValidity: mailbox.uidValidity,
        uids: new Set((await mailbox.listInbox()).map((entry) => entry.uid)),
      };
    } else if (folder === mailbox.folders.junk) {
      const listing = await mailbox.listHeaders(folder);
      found = { uidValidity: listing.uidValidity, uids: new Set(listing.entries.map((entry) => entry.uid)) };
    }
    listed.set(folder, found);
    return found;
  };
}

/**
 * A finished workflow's row (a key and times) is deleted a week after the purge: after that, only
 * the audit log says that a signal was handled. secure_delete overwrites the row on disk.
 */
export function forgetFinished(deps: CheckDeps): void {
  const cutoff = deps.clock.now().getTime() - KEEP_FINISHED_MS;
  for (const record of deps.store.allSignals()) {
    if (record.purgedAt && Date.parse(record.purgedAt) < cutoff) deps.store.deleteSignal(record.key);
  }
}
