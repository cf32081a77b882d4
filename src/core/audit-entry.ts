import { createHash } from 'node:crypto';
import type { AuditEntry, AuditRow } from './ports.js';

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

export type ChainVerdict =
  { intact: true; rows: number; head: string } | { intact: false; firstBrokenId: number };

export function verifyChain(rows: AuditRow[]): ChainVerdict {
  let prev = GENESIS_HASH;
  let lastId = 0;
  for (const row of rows) {
    const { id, prevHash, hash, ...entry } = row;
    if (id <= lastId || prevHash !== prev || chainHash(prevHash, entry) !== hash) {
      return { intact: false, firstBrokenId: id };
    }
    prev = hash;
    lastId = id;
  }
  return { intact: true, rows: rows.length, head: prev };
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
): AuditEntry {
  return { at: at.toISOString(), type: 'check', data: { outcome, durationMs, ...counts } };
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
