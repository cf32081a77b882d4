import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DATABASE_FILE, SqliteStore } from '../../src/adapters/sqlite-store.js';
import type { SignalRecord } from '../../src/core/ports.js';

const record = (key: string, extra: Partial<SignalRecord> = {}): SignalRecord => ({
  key,
  uidValidity: '7',
  uid: 42,
  receivedAt: '2026-11-25T06:00:00.000Z',
  notified: { primary: '2026-11-25T06:01:00.000Z' },
  refused: {},
  needsReview: false,
  children: 1,
  ...extra,
});

describe('the signals table and its folder', () => {
  it('when a row was written before the folder column existed, then the migration keeps it and it reads as INBOX', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwc-folder-'));
    try {
      const store = SqliteStore.open(dir);
      store.putSignal(record('a'.repeat(64)));
      store.close();
      // Turn the file back into the first schema, as a database from before this release is.
      const db = new Database(join(dir, DATABASE_FILE));
      db.exec('ALTER TABLE signals DROP COLUMN out_of_office_at');
      db.exec('ALTER TABLE signals DROP COLUMN arrived_at');
      db.exec('ALTER TABLE signals DROP COLUMN handed_on_at; DROP TABLE link_tokens');
      db.exec('ALTER TABLE signals DROP COLUMN folder');
      db.exec('ALTER TABLE signals DROP COLUMN held_at');
      db.exec('ALTER TABLE signals DROP COLUMN revealed_at');
      db.exec('ALTER TABLE signals DROP COLUMN confirmed_notices_at');
      db.pragma('user_version = 1');
      db.close();

      const reopened = SqliteStore.open(dir);
      expect(reopened.getSignal('a'.repeat(64))).toEqual(record('a'.repeat(64)));
      reopened.putSignal(record('b'.repeat(64), { folder: 'Junk', uidValidity: '9', uid: 3 }));
      expect(reopened.getSignal('b'.repeat(64))).toMatchObject({ folder: 'Junk', uidValidity: '9', uid: 3 });
      reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when a Junk signal is found again in INBOX, then its row no longer names a folder', () => {
    const store = SqliteStore.inMemory();
    store.putSignal(record('c'.repeat(64), { folder: 'Junk' }));
    store.putSignal(record('c'.repeat(64)));
    expect(store.getSignal('c'.repeat(64))?.folder).toBeUndefined();
  });
});

describe('the moments that are recorded once', () => {
  it('when a stale copy of a signal is saved after its confirmation notices were recorded, then the record keeps them, as it keeps the reveal', () => {
    const store = SqliteStore.inMemory();
    const stale = record('b'.repeat(64));
    store.putSignal(stale);
    store.putSignal({
      ...stale,
      revealedAt: '2026-11-25T06:03:00.000Z',
      confirmedNoticesAt: '2026-11-25T06:05:00.000Z',
    });
    // The page's reveal writes the whole record it read before the check recorded the notices.
    store.putSignal(stale);
    const [kept] = store.allSignals();
    expect(kept?.confirmedNoticesAt).toBe('2026-11-25T06:05:00.000Z');
    expect(kept?.revealedAt).toBe('2026-11-25T06:03:00.000Z');
  });
});
