import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DATABASE_FILE } from '../../src/adapters/sqlite-store.js';

/** Every file of a storage directory by its SHA-256, to prove that nothing on disk changed. */
export function storageSnapshot(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  return Object.fromEntries(
    readdirSync(dir).map((name) => [
      name,
      createHash('sha256')
        .update(readFileSync(join(dir, name)))
        .digest('hex'),
    ]),
  );
}

/** A database as the first release left it: only the first migration applied, no secret yet. */
export function firstSchemaDatabase(dir: string): void {
  const db = new Database(join(dir, DATABASE_FILE));
  db.exec(`CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE signals (key TEXT PRIMARY KEY, uid_validity TEXT NOT NULL, uid INTEGER NOT NULL,
      received_at TEXT NOT NULL, notified_primary_at TEXT, notified_backup_at TEXT,
      refused_primary_at TEXT, refused_backup_at TEXT, acknowledged_at TEXT, mdn_sent_at TEXT,
      confirmed_at TEXT, confirmed_by TEXT, escalated_at TEXT, escalation_reason TEXT,
      reminder_sent_at TEXT, purged_at TEXT, purge_verified INTEGER,
      needs_review INTEGER NOT NULL, children INTEGER NOT NULL);
    CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT NOT NULL, type TEXT NOT NULL,
      data TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);`);
  db.pragma('user_version = 1');
  db.close();
}
