import type { Logger } from 'pino';
import { retentionCutoff, verifyChain } from './core/audit-entry.js';
import type { AuditRow } from './core/ports.js';

/** What pruning needs of the store; SqliteStore has it. */
export interface PrunableAuditLog {
  rows(): AuditRow[];
  prune(before: Date, now: Date): AuditRow | undefined;
}

export type PruneOutcome =
  | { outcome: 'pruned'; before: Date; row: AuditRow; removedRows: number }
  | { outcome: 'nothing-to-prune'; before: Date }
  | { outcome: 'refused'; before: Date; firstBrokenId: number };

/**
 * Removes audit rows older than `audit.keep`, leaving a prune row that accounts for them. Meant for
 * `hwc audit prune` and for one call when the daemon starts; never for the middle of a check. A
 * broken chain is never pruned: removing rows would remove the evidence of what broke it.
 */
export function pruneExpiredAudit(
  store: PrunableAuditLog,
  keepDays: number,
  now: Date,
  logger?: Logger,
): PruneOutcome {
  const before = retentionCutoff(now, keepDays);
  const verdict = verifyChain(store.rows());
  if (!verdict.intact) {
    logger?.error(
      { step: 'prune', outcome: 'refused', reason: verdict.reason, rows: verdict.firstBrokenId },
      'the audit chain is broken; nothing was pruned',
    );
    return { outcome: 'refused', before, firstBrokenId: verdict.firstBrokenId };
  }
  const row = store.prune(before, now);
  if (!row) {
    logger?.info(
      { step: 'prune', outcome: 'nothing', head: verdict.head, rows: verdict.headId },
      'no audit rows past audit.keep',
    );
    return { outcome: 'nothing-to-prune', before };
  }
  const removedRows = Number(row.data.removedRows);
  logger?.info(
    { step: 'prune', outcome: 'pruned', count: removedRows, head: row.hash, rows: row.id },
    'audit rows past audit.keep were pruned',
  );
  return { outcome: 'pruned', before, row, removedRows };
}
