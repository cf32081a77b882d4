import { createHash } from 'node:crypto';
import type { AuditEntry, AuditRow } from './ports.js';
import type { SetAsideReason } from './vocabulary.js';

/**
 * The audit log is a hash chain: hash = SHA-256(prev_hash ‖ canonical row). Changing, removing or
 * reordering a row breaks every hash after it. Rows hold dates, counts and outcomes only.
 */

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with sorted keys, so that the same row always hashes the same. */
export function canonicalEntry(entry: AuditEntry): string {
  const data = Object.fromEntries(Object.entries(entry.data).sort(([a], [b]) => (a < b ? -1 : 1)));
  return JSON.stringify({ at: entry.at, type: entry.type, data });
}

export function chainHash(prevHash: string, entry: AuditEntry): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalEntry(entry)).digest('hex');
}

/** Why a chain is not intact, for a message that tells an auditor where to look. */
export type ChainBreak =
  /** The row's content no longer matches its hash: it was edited. */
  | 'content'
  /** The row does not point at the row before it: a row was removed, inserted or moved. */
  | 'link'
  /** The ids do not follow each other: a row was removed or moved. */
  | 'order'
  /** The first row does not start the chain, and no prune row accounts for the rows before it. */
  | 'start'
  /** The head the auditor expected is not in the log: rows were removed from the end. */
  | 'head-missing';

export type ChainVerdict =
  | {
      intact: true;
      /** Rows in the table now. */
      rows: number;
      head: string;
      /** Id of the newest row: how many rows were ever appended, pruned ones included. */
      headId: number;
      /** Rows up to this id were removed by a prune row that is itself in the chain. */
      prunedThrough?: number;
    }
  | { intact: false; firstBrokenId: number; reason: ChainBreak };

export interface VerifyOptions {
  /** A head hash seen earlier (in a log line or an older report): it must still be in the chain. */
  expectHead?: string;
}

/**
 * Recomputes the chain. A chain may start after GENESIS only where a prune row (see pruneEntry)
 * says which rows it removed and what the hash of the last of them was; the prune row is hashed
 * into the chain like any row, so it cannot be added afterwards without breaking every hash after it.
 */
export function verifyChain(rows: AuditRow[], options: VerifyOptions = {}): ChainVerdict {
  const first = rows[0];
  let prev = GENESIS_HASH;
  let lastId = 0;
  let prunedThrough: number | undefined;
  if (first && first.prevHash !== GENESIS_HASH) {
    // A prune removes the oldest rows up to the first one that is not older than its cutoff, and
    // it is written after the cutoff: a prune row that claims otherwise did not come from prune().
    const explained = rows.some(
      (row) =>
        row.type === 'prune' &&
        row.data.removedHeadHash === first.prevHash &&
        row.data.removedToId === first.id - 1 &&
        typeof row.data.before === 'string' &&
        Date.parse(row.data.before) <= Date.parse(row.at) &&
        (row === first || Date.parse(first.at) >= Date.parse(row.data.before)),
    );
    if (!explained) return { intact: false, firstBrokenId: first.id, reason: 'start' };
    prev = first.prevHash;
    lastId = first.id - 1;
    prunedThrough = lastId;
  }
  const seen = new Set<string>();
  for (const row of rows) {
    const { id, prevHash, hash, ...entry } = row;
    if (id !== lastId + 1) return { intact: false, firstBrokenId: id, reason: 'order' };
    if (prevHash !== prev) return { intact: false, firstBrokenId: id, reason: 'link' };
    if (chainHash(prevHash, entry) !== hash) return { intact: false, firstBrokenId: id, reason: 'content' };
    seen.add(hash);
    // The last row that a prune removed was a head once, and the prune row vouches for it.
    if (entry.type === 'prune' && typeof entry.data.removedHeadHash === 'string') {
      seen.add(entry.data.removedHeadHash);
    }
    prev = hash;
    lastId = id;
  }
  if (options.expectHead !== undefined && !seen.has(options.expectHead.toLowerCase())) {
    return { intact: false, firstBrokenId: lastId + 1, reason: 'head-missing' };
  }
  return {
    intact: true,
    rows: rows.length,
    head: prev,
    headId: lastId,
    ...(prunedThrough === undefined ? {} : { prunedThrough }),
  };
}

/** The instant before which audit rows may be pruned: `keepDays` whole days before `now`. */
export function retentionCutoff(now: Date, keepDays: number): Date {
  return new Date(now.getTime() - keepDays * 86_400_000);
}

/** SHA-256 over the hashes of the removed rows, in id order, one per line. */
export function removedChainHash(hashes: string[]): string {
  return createHash('sha256').update(hashes.join('\n')).digest('hex');
}

export interface PrunedRange {
  /** Everything strictly older than this was due for removal. */
  before: Date;
  fromId: number;
  toId: number;
  /** The hashes of the removed rows, in id order; the last one is the new start of the chain. */
  hashes: string[];
}

/**
 * The row that a prune appends before it removes the oldest rows. It carries what the chain needs
 * to go on (the hash of the last removed row) and a digest of everything removed, so that anyone
 * who kept an older copy or report can check that exactly those rows went.
 */
export function pruneEntry(at: Date, range: PrunedRange): AuditEntry {
  return {
    at: at.toISOString(),
    type: 'prune',
    data: {
      before: range.before.toISOString(),
      removedRows: range.hashes.length,
      removedFromId: range.fromId,
      removedToId: range.toId,
      removedHeadHash: range.hashes[range.hashes.length - 1] ?? GENESIS_HASH,
      removedChainHash: removedChainHash(range.hashes),
    },
  };
}

export interface CheckCounts {
  messages: number;
  signals: number;
  children: number;
  needsReview: number;
  notificationsSent: number;
  acknowledgementsSent: number;
  mdnsSent: number;
  confirmations: number;
  escalations: number;
  remindersSent: number;
  setAside: number;
  alertsSent: number;
  quietlyRemoved: number;
  purged: number;
  unconfirmedPurged: number;
  purgeVerified: boolean;
  /** Why messages were set aside, per reason; written to the row as `reason:n,…`. */
  setAsideReasons?: Partial<Record<SetAsideReason, number>>;
}

export function emptyCounts(): CheckCounts {
  return {
    messages: 0,
    signals: 0,
    children: 0,
    needsReview: 0,
    notificationsSent: 0,
    acknowledgementsSent: 0,
    mdnsSent: 0,
    confirmations: 0,
    escalations: 0,
    remindersSent: 0,
    setAside: 0,
    alertsSent: 0,
    quietlyRemoved: 0,
    purged: 0,
    unconfirmedPurged: 0,
    purgeVerified: true,
  };
}

export function checkEntry(
  at: Date,
  counts: CheckCounts,
  outcome: 'ok' | 'failed',
  durationMs: number,
  provider?: string,
  error?: string,
): AuditEntry {
  const { setAsideReasons, ...flat } = counts;
  const reasons = Object.entries(setAsideReasons ?? {})
    .filter(([, n]) => typeof n === 'number' && n > 0)
    .map(([reason, n]) => `${reason}:${n}`)
    .sort()
    .join(',');
  return {
    at: at.toISOString(),
    type: 'check',
    data: {
      outcome,
      durationMs,
      ...flat,
      ...(reasons ? { setAsideReasons: reasons } : {}),
      ...(provider ? { provider } : {}),
      ...(error ? { error } : {}),
    },
  };
}

/**
 * The row of a check that failed before it could write its own (refused login, server down, the
 * watchdog): its outcome and the error's code, never a message, because a library's message can
 * quote a server reply.
 */
export function failedCheckEntry(at: Date, durationMs: number, errorCode: string): AuditEntry {
  return checkEntry(at, emptyCounts(), 'failed', durationMs, 'unknown', errorCode);
}

/** The row of a dead-man alarm: whether both contacts could be told to look by hand. */
export function alarmEntry(at: Date, outcome: 'sent' | 'failed'): AuditEntry {
  return { at: at.toISOString(), type: 'alarm', data: { kind: 'dead-man', outcome } };
}

export interface SignalOutcome {
  receivedAt: string;
  purgedAt: string;
  children: number;
  needsReview: boolean;
  notifiedPrimary: boolean;
  notifiedBackup: boolean;
  acknowledged: boolean;
  mdnSent: boolean;
  purgeVerified: boolean;
  escalated: boolean;
  escalationReason?: string;
  confirmedBy: 'primary' | 'backup' | 'none';
  minutesToConfirm?: number;
  /** Why it was purged: handled (notify: both), confirmed, escalation-complete, hard-limit, resumed. */
  purgeReason: string;
}

/** One row per handled signal: when and how it was handled, never who it was about. */
export function signalEntry(outcome: SignalOutcome): AuditEntry {
  const minutes = Math.round((Date.parse(outcome.purgedAt) - Date.parse(outcome.receivedAt)) / 60_000);
  return {
    at: outcome.purgedAt,
    type: 'signal',
    data: {
      children: outcome.children,
      needsReview: outcome.needsReview,
      notifiedPrimary: outcome.notifiedPrimary,
      notifiedBackup: outcome.notifiedBackup,
      acknowledged: outcome.acknowledged,
      mdnSent: outcome.mdnSent,
      purgeVerified: outcome.purgeVerified,
      minutesToPurge: minutes,
      escalated: outcome.escalated,
      ...(outcome.escalationReason ? { escalationReason: outcome.escalationReason } : {}),
      confirmedBy: outcome.confirmedBy,
      ...(outcome.minutesToConfirm !== undefined ? { minutesToConfirm: outcome.minutesToConfirm } : {}),
      purgeReason: outcome.purgeReason,
    },
  };
}
