import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, pruneEntry, removedChainHash, verifyChain } from '../../src/core/audit-entry.js';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import type { AuditRow } from '../../src/core/ports.js';

function seeded(): AuditRow[] {
  const store = SqliteStore.inMemory();
  for (let i = 0; i < 5; i += 1) {
    store.append({ at: `2026-11-2${i}T06:00:00.000Z`, type: 'check', data: { outcome: 'ok', signals: i } });
  }
  const rows = store.rows();
  store.close();
  return rows;
}

describe('audit hash chain', () => {
  it('when nothing was changed, then the chain is intact and names its head', () => {
    const rows = seeded();
    expect(verifyChain(rows)).toEqual({ intact: true, rows: 5, head: rows[4]?.hash, headId: 5 });
  });

  it('when the log is empty, then the chain is intact with the genesis head', () => {
    expect(verifyChain([])).toEqual({ intact: true, rows: 0, head: GENESIS_HASH, headId: 0 });
  });

  it('when a row was edited, then the chain breaks at that row because its content changed', () => {
    const rows = seeded();
    rows[2] = { ...rows[2]!, data: { ...rows[2]!.data, signals: 9 } };
    expect(verifyChain(rows)).toEqual({ intact: false, firstBrokenId: 3, reason: 'content' });
  });

  it('when a row was deleted, then the chain breaks at the row after it', () => {
    const rows = seeded();
    rows.splice(1, 1);
    expect(verifyChain(rows)).toEqual({ intact: false, firstBrokenId: 3, reason: 'order' });
  });

  it('when a row was deleted and the ids renumbered, then the link to the previous row breaks', () => {
    const rows = seeded();
    rows.splice(1, 1);
    const renumbered = rows.map((row, i) => ({ ...row, id: i + 1 }));
    expect(verifyChain(renumbered)).toEqual({ intact: false, firstBrokenId: 2, reason: 'link' });
  });

  it('when rows were reordered, then the chain breaks', () => {
    const rows = seeded();
    const [a, b] = [rows[1]!, rows[2]!];
    rows[1] = b;
    rows[2] = a;
    expect(verifyChain(rows).intact).toBe(false);
  });

  it('when the first rows were removed without a prune row, then the chain breaks at the new first row', () => {
    const rows = seeded().slice(2);
    expect(verifyChain(rows)).toEqual({ intact: false, firstBrokenId: 3, reason: 'start' });
  });

  it('when rows were removed from the end, then only --expect-head with the old head notices', () => {
    const rows = seeded();
    const oldHead = rows[4]!.hash;
    const truncated = rows.slice(0, 3);
    expect(verifyChain(truncated).intact).toBe(true);
    expect(verifyChain(truncated, { expectHead: oldHead })).toEqual({
      intact: false,
      firstBrokenId: 4,
      reason: 'head-missing',
    });
    expect(verifyChain(rows, { expectHead: oldHead }).intact).toBe(true);
    expect(verifyChain(rows, { expectHead: rows[2]!.hash }).intact).toBe(true);
  });

  it('when someone tries UPDATE or DELETE in SQLite, then the triggers refuse', () => {
    const store = SqliteStore.inMemory();
    store.append({ at: '2026-11-25T06:00:00.000Z', type: 'check', data: { outcome: 'ok' } });
    const db = (store as unknown as { db: { exec(sql: string): void } }).db;
    expect(() => db.exec("UPDATE audit SET data = '{}'")).toThrow(/append-only/);
    expect(() => db.exec('DELETE FROM audit')).toThrow(/append-only/);
    store.close();
  });
});

describe('prune rows', () => {
  it('when a prune row accounts for the removed rows, then the shortened chain is intact', () => {
    const store = SqliteStore.inMemory();
    for (let i = 0; i < 5; i += 1) {
      store.append({ at: `2026-11-2${i}T06:00:00.000Z`, type: 'check', data: { outcome: 'ok', signals: i } });
    }
    const before = store.rows();
    const prune = store.prune(new Date('2026-11-22T00:00:00.000Z'), new Date('2026-11-30T06:00:00.000Z'));
    const after = store.rows();
    store.close();
    expect(prune?.data).toEqual({
      before: '2026-11-22T00:00:00.000Z',
      removedRows: 2,
      removedFromId: 1,
      removedToId: 2,
      removedHeadHash: before[1]!.hash,
      removedChainHash: removedChainHash([before[0]!.hash, before[1]!.hash]),
    });
    expect(after.map((row) => row.id)).toEqual([3, 4, 5, 6]);
    expect(verifyChain(after)).toEqual({
      intact: true,
      rows: 4,
      head: prune?.hash,
      headId: 6,
      prunedThrough: 2,
    });
    // The head of the chain before the prune is still accepted as an expected head.
    expect(verifyChain(after, { expectHead: before[4]!.hash }).intact).toBe(true);
    expect(verifyChain(after, { expectHead: before[1]!.hash }).intact).toBe(true);
  });

  it('when a prune row is forged after the fact, then the chain breaks at it', () => {
    const rows = seeded();
    const removed = rows.slice(0, 2);
    const forged: AuditRow = {
      ...pruneEntry(new Date('2026-11-30T06:00:00.000Z'), {
        before: new Date('2026-11-22T00:00:00.000Z'),
        fromId: 1,
        toId: 2,
        hashes: removed.map((row) => row.hash),
      }),
      id: 6,
      prevHash: rows[4]!.hash,
      hash: 'f'.repeat(64),
    };
    expect(verifyChain([...rows.slice(2), forged])).toEqual({
      intact: false,
      firstBrokenId: 6,
      reason: 'content',
    });
  });

  it('when a prune row names other rows than the ones missing, then the start is not explained', () => {
    const store = SqliteStore.inMemory();
    for (let i = 0; i < 5; i += 1) {
      store.append({ at: `2026-11-2${i}T06:00:00.000Z`, type: 'check', data: { outcome: 'ok' } });
    }
    store.prune(new Date('2026-11-22T00:00:00.000Z'), new Date('2026-11-30T06:00:00.000Z'));
    const rows = store.rows();
    store.close();
    // Someone also removed row 3, the first row after the pruned ones.
    expect(verifyChain(rows.slice(1))).toEqual({ intact: false, firstBrokenId: 4, reason: 'start' });
  });
});
