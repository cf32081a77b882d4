import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { retentionCutoff, verifyChain } from '../../src/core/audit-entry.js';
import { DATABASE_FILE, SqliteStore } from '../../src/adapters/sqlite-store.js';
import { pruneExpiredAudit } from '../../src/audit-retention.js';

type Db = {
  exec(sql: string): void;
  prepare(sql: string): { all(): unknown[]; run(...args: unknown[]): unknown };
};
const dbOf = (store: SqliteStore): Db => (store as unknown as { db: Db }).db;

function storeWithDays(days: string[]): SqliteStore {
  const store = SqliteStore.inMemory();
  for (const day of days)
    store.append({ at: `${day}T06:00:00.000Z`, type: 'check', data: { outcome: 'ok' } });
  return store;
}

const NOW = new Date('2026-11-25T06:00:00.000Z');

describe('SqliteStore.prune', () => {
  it('when no row is older than the cutoff, then nothing is appended or removed', () => {
    const store = storeWithDays(['2026-11-20', '2026-11-21']);
    expect(store.prune(new Date('2026-11-01T00:00:00.000Z'), NOW)).toBeUndefined();
    expect(store.rows()).toHaveLength(2);
    store.close();
  });

  it('when every row is older than the cutoff, then the prune row alone remains and the chain is intact', () => {
    const store = storeWithDays(['2024-01-08', '2024-01-09', '2024-01-10']);
    const prune = store.prune(new Date('2025-01-01T00:00:00.000Z'), NOW);
    const rows = store.rows();
    expect(rows).toEqual([prune]);
    expect(verifyChain(rows)).toMatchObject({ intact: true, rows: 1, headId: 4, prunedThrough: 3 });
    expect(dbOf(store).prepare('SELECT * FROM audit_prune_permit').all()).toEqual([]);
    store.close();
  });

  it('when pruned twice, then the newer prune row explains the start and the chain stays intact', () => {
    const store = storeWithDays(['2024-01-08', '2024-06-10', '2025-01-06', '2025-06-09', '2026-11-02']);
    store.prune(new Date('2024-12-01T00:00:00.000Z'), new Date('2026-01-01T06:00:00.000Z'));
    store.append({ at: '2026-11-03T06:00:00.000Z', type: 'check', data: { outcome: 'ok' } });
    const second = store.prune(new Date('2025-12-01T00:00:00.000Z'), NOW);
    // The first prune row (id 6, at 2026-01-01) is newer than the second cutoff, so it stays.
    expect(second?.data).toMatchObject({ removedFromId: 3, removedToId: 4, removedRows: 2 });
    expect(verifyChain(store.rows())).toMatchObject({ intact: true, prunedThrough: 4, headId: 8 });
    store.close();
  });

  it('when a newer row comes before an older one, then only the contiguous oldest rows go', () => {
    const store = storeWithDays(['2024-01-08', '2026-11-01', '2024-01-09']);
    const prune = store.prune(new Date('2025-01-01T00:00:00.000Z'), NOW);
    expect(prune?.data).toMatchObject({ removedFromId: 1, removedToId: 1 });
    expect(store.rows().map((row) => row.id)).toEqual([2, 3, 4]);
    store.close();
  });

  it('when a permit does not match a prune row just appended, then the trigger refuses it', () => {
    const store = storeWithDays(['2024-01-08', '2024-01-09', '2026-11-01']);
    const db = dbOf(store);
    expect(() => db.exec('INSERT INTO audit_prune_permit VALUES (1, 3, 1, 2)')).toThrow(/must match/);
    expect(() => db.exec('DELETE FROM audit WHERE id = 1')).toThrow(/append-only/);
    store.close();
  });

  it('when a prune is under way, then rows outside its range still cannot be deleted', () => {
    const store = storeWithDays(['2024-01-08', '2024-01-09', '2026-11-01']);
    const prune = store.prune(new Date('2025-01-01T00:00:00.000Z'), NOW);
    const db = dbOf(store);
    expect(prune?.id).toBe(4);
    // A permit for rows that are no longer the oldest, or that the prune row does not name, is refused.
    expect(() => db.exec('INSERT INTO audit_prune_permit VALUES (1, 4, 3, 3)')).toThrow(/must match/);
    expect(() => db.exec('DELETE FROM audit WHERE id = 3')).toThrow(/append-only/);
    expect(() => db.exec('UPDATE audit SET at = at')).toThrow(/append-only/);
    store.close();
  });

  it('when rows are pruned from a database file, then their bytes are gone from the file (secure_delete)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwc-prune-'));
    const store = SqliteStore.open(dir);
    for (let i = 0; i < 50; i += 1) {
      store.append({
        at: new Date(Date.UTC(2024, 0, 8, 6, i)).toISOString(),
        type: 'check',
        data: { outcome: 'ok', marker: `Kwispelstaartje-${i}` },
      });
    }
    store.append({ at: '2026-11-01T06:00:00.000Z', type: 'check', data: { outcome: 'ok' } });
    store.prune(new Date('2025-01-01T00:00:00.000Z'), NOW);
    store.close();
    const bytes = readFileSync(join(dir, DATABASE_FILE)).toString('latin1');
    expect(bytes).not.toContain('Kwispelstaartje');
  });
});

describe('pruneExpiredAudit', () => {
  it('when rows are older than audit.keep, then they are pruned with a cutoff of keep days before now', () => {
    const store = storeWithDays(['2024-11-01', '2024-11-30', '2026-11-20']);
    const result = pruneExpiredAudit(store, 730, NOW);
    expect(result.before).toEqual(retentionCutoff(NOW, 730));
    expect(result).toMatchObject({ outcome: 'pruned', removedRows: 1 });
    expect(pruneExpiredAudit(store, 730, NOW).outcome).toBe('nothing-to-prune');
    store.close();
  });

  it('when the chain is broken, then nothing is pruned, so that the evidence stays', () => {
    const store = storeWithDays(['2024-01-08', '2024-01-09', '2026-11-20']);
    const db = dbOf(store);
    db.exec('DROP TRIGGER audit_no_update');
    db.exec(`UPDATE audit SET data = '{"outcome":"failed"}' WHERE id = 2`);
    expect(pruneExpiredAudit(store, 730, NOW)).toMatchObject({ outcome: 'refused', firstBrokenId: 2 });
    expect(store.rows()).toHaveLength(3);
    store.close();
  });
});
