import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/core/audit-entry.js';
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
    expect(verifyChain(rows)).toEqual({ intact: true, rows: 5, head: rows[4]?.hash });
  });

  it('when a row was edited, then the chain breaks at that row', () => {
    const rows = seeded();
    rows[2] = { ...rows[2]!, data: { ...rows[2]!.data, signals: 9 } };
    expect(verifyChain(rows)).toEqual({ intact: false, firstBrokenId: 3 });
  });

  it('when a row was deleted, then the chain breaks at the row after it', () => {
    const rows = seeded();
    rows.splice(1, 1);
    expect(verifyChain(rows)).toEqual({ intact: false, firstBrokenId: 3 });
  });

  it('when rows were reordered, then the chain breaks', () => {
    const rows = seeded();
    const [a, b] = [rows[1]!, rows[2]!];
    rows[1] = b;
    rows[2] = a;
    expect(verifyChain(rows).intact).toBe(false);
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
