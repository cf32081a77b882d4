import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { AuditEntry, AuditLog, AuditRow, SignalRecord, StateStore } from '../core/ports.js';
import { GENESIS_HASH, chainHash, pruneEntry } from '../core/audit-entry.js';
import type { ContactRole } from '../core/vocabulary.js';
import { prepareStorageDir } from './storage-dir.js';
import { SqliteLinkTokens } from './link-tokens.js';

export const DATABASE_FILE = 'hwc-watcher.sqlite';

/**
 * Migrations, in order. The database holds keys, times, roles and counts: never a name, a date
 * of birth, a subject, an address or a Message-ID.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE signals (
     key TEXT PRIMARY KEY,
     uid_validity TEXT NOT NULL,
     uid INTEGER NOT NULL,
     received_at TEXT NOT NULL,
     notified_primary_at TEXT, notified_backup_at TEXT,
     refused_primary_at TEXT, refused_backup_at TEXT,
     acknowledged_at TEXT, mdn_sent_at TEXT,
     confirmed_at TEXT, confirmed_by TEXT,
     escalated_at TEXT, escalation_reason TEXT, reminder_sent_at TEXT,
     purged_at TEXT, purge_verified INTEGER,
     needs_review INTEGER NOT NULL, children INTEGER NOT NULL
   );
   CREATE TABLE audit (
     id INTEGER PRIMARY KEY,
     at TEXT NOT NULL,
     type TEXT NOT NULL,
     data TEXT NOT NULL,
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL
   );
   CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
   -- Retention is the one way rows leave the log, and only the oldest ones. prune() appends a
   -- 'prune' row that names the id range it removes and the hash of the last removed row, puts a
   -- permit for exactly that range in this one-row table, deletes, and removes the permit, all in
   -- one transaction. A permit is accepted only when it matches the newest row, which must be that
   -- prune row, and starts at the oldest row; any DELETE outside a permitted range is refused.
   -- Triggers stop mistakes and other code paths, not someone who can edit the file (they can drop
   -- triggers): against that, the hash chain and the head hash in the logs are the defence.
   CREATE TABLE audit_prune_permit (
     one INTEGER PRIMARY KEY CHECK (one = 1),
     prune_id INTEGER NOT NULL,
     from_id INTEGER NOT NULL,
     to_id INTEGER NOT NULL
   );
   CREATE TRIGGER audit_permit_matches_prune BEFORE INSERT ON audit_prune_permit
   WHEN NEW.prune_id IS NOT (SELECT MAX(id) FROM audit)
     OR NEW.from_id IS NOT (SELECT MIN(id) FROM audit)
     OR NEW.to_id < NEW.from_id OR NEW.to_id >= NEW.prune_id
     OR NOT EXISTS (
       SELECT 1 FROM audit
       WHERE id = NEW.prune_id AND type = 'prune'
         AND json_extract(data, '$.removedFromId') = NEW.from_id
         AND json_extract(data, '$.removedToId') = NEW.to_id
         AND json_extract(data, '$.removedRows') = NEW.to_id - NEW.from_id + 1
         AND json_extract(data, '$.removedHeadHash') = (SELECT hash FROM audit WHERE id = NEW.to_id))
   BEGIN SELECT RAISE(ABORT, 'an audit prune permit must match the prune row just appended'); END;
   CREATE TRIGGER audit_permit_no_update BEFORE UPDATE ON audit_prune_permit
   BEGIN SELECT RAISE(ABORT, 'an audit prune permit cannot be changed'); END;
   CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
   WHEN NOT EXISTS (SELECT 1 FROM audit_prune_permit WHERE OLD.id BETWEEN from_id AND to_id)
   BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;`,
  // The folder a signal was found in, when not INBOX (a spam filter filed it under \Junk): its
  // UID and UIDVALIDITY are that folder's. NULL, as in every row written before, is INBOX.
  `ALTER TABLE signals ADD COLUMN folder TEXT;`,
  // Link mode (src/web/): when the primary contact handed the signal on, and the link tokens,
  // each stored only as its SHA-256, bound to one signal and one role (src/adapters/link-tokens.ts).
  `ALTER TABLE signals ADD COLUMN handed_on_at TEXT;
   CREATE TABLE link_tokens (
     hash TEXT PRIMARY KEY,
     signal_key TEXT NOT NULL,
     role TEXT NOT NULL,
     expires_at TEXT NOT NULL,
     reveals INTEGER NOT NULL DEFAULT 0
   );`,
  // When a notification went out without the original it needed: only a confirmation ends the hold.
  `ALTER TABLE signals ADD COLUMN held_at TEXT;`,
  // Times only: when a signal reached the mailbox (the texts say it beside the time of the check
  // that found it), and when the primary's absence reply came back (a reason to escalate).
  `ALTER TABLE signals ADD COLUMN arrived_at TEXT;
   ALTER TABLE signals ADD COLUMN out_of_office_at TEXT;`,
  // Link mode: when a contact first revealed the signal on the page; before it, purgeAfter waits.
  `ALTER TABLE signals ADD COLUMN revealed_at TEXT;`,
  // Link mode: when the check sent the thank-you and the other contact's notice after a page confirm.
  `ALTER TABLE signals ADD COLUMN confirmed_notices_at TEXT;`,
];

interface AuditHead {
  id: number;
  at: string;
  hash: string;
}

const SIGNAL_COLUMNS = [
  'key',
  'uid_validity',
  'uid',
  'received_at',
  'notified_primary_at',
  'notified_backup_at',
  'refused_primary_at',
  'refused_backup_at',
  'acknowledged_at',
  'mdn_sent_at',
  'confirmed_at',
  'confirmed_by',
  'escalated_at',
  'escalation_reason',
  'reminder_sent_at',
  'purged_at',
  'purge_verified',
  'needs_review',
  'children',
  'folder',
  'handed_on_at',
  'held_at',
  'arrived_at',
  'out_of_office_at',
  'revealed_at',
  'confirmed_notices_at',
] as const satisfies readonly (keyof SignalRow)[];

interface SignalRow {
  key: string;
  uid_validity: string;
  uid: number;
  received_at: string;
  notified_primary_at: string | null;
  notified_backup_at: string | null;
  refused_primary_at: string | null;
  refused_backup_at: string | null;
  acknowledged_at: string | null;
  mdn_sent_at: string | null;
  confirmed_at: string | null;
  confirmed_by: string | null;
  escalated_at: string | null;
  escalation_reason: string | null;
  reminder_sent_at: string | null;
  purged_at: string | null;
  purge_verified: number | null;
  needs_review: number;
  children: number;
  folder: string | null;
  handed_on_at: string | null;
  held_at: string | null;
  arrived_at: string | null;
  out_of_office_at: string | null;
  revealed_at: string | null;
  confirmed_notices_at: string | null;
}

export interface OpenStoreOptions {
  /** Read the state into memory (dry run, report, status): nothing on disk is created or changed. */
  readOnly?: boolean;
}

export class SqliteStore implements StateStore, AuditLog {
  private constructor(private readonly db: Database.Database) {}

  static open(storageDir: string, options: OpenStoreOptions = {}): SqliteStore {
    const file = join(storageDir, DATABASE_FILE);
    if (options.readOnly) return SqliteStore.snapshotOf(file);
    prepareStorageDir(storageDir, DATABASE_FILE);
    const db = new Database(file);
    const store = new SqliteStore(db);
    store.prepare();
    return store;
  }

  /**
   * The state as it is on disk, copied into memory and brought to this version's schema there.
   * A reader (a dry run, the report, status) thus works on a storage where no check has run yet:
   * no file, an empty one (a lock made it), an older schema, no secret yet; and whatever it does
   * can never reach the disk. A state that does not exist reads as a fresh one.
   */
  private static snapshotOf(file: string): SqliteStore {
    if (!fileExists(file)) return SqliteStore.inMemory();
    const disk = new Database(file, { readonly: true, fileMustExist: true });
    let image: Buffer;
    try {
      // A read first: a file that is no database fails here with SQLite's own code (SQLITE_NOTADB).
      disk.prepare('SELECT count(*) FROM sqlite_master').get();
      image = disk.serialize();
    } finally {
      disk.close();
    }
    const store = new SqliteStore(new Database(image));
    store.prepare();
    return store;
  }

  static inMemory(): SqliteStore {
    const store = new SqliteStore(new Database(':memory:'));
    store.prepare();
    return store;
  }

  private prepare(): void {
    // Deleted rows are overwritten with zeros, and no write-ahead log keeps old pages around:
    // a rollback journal in DELETE mode is removed after each transaction.
    this.db.pragma('secure_delete = ON');
    this.db.pragma('journal_mode = DELETE');
    this.db.pragma('foreign_keys = ON');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    for (let i = version; i < MIGRATIONS.length; i += 1) {
      const migration = MIGRATIONS[i] as string;
      this.db.transaction(() => {
        this.db.exec(migration);
        this.db.pragma(`user_version = ${i + 1}`);
      })();
    }
  }

  secret(): Buffer {
    const existing = this.getMeta('hmac_secret');
    if (existing) return Buffer.from(existing, 'base64');
    const secret = randomBytes(32);
    this.setMeta('hmac_secret', secret.toString('base64'));
    return secret;
  }

  getMeta(name: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE name = ?').get(name) as
      { value: string } | undefined;
    return row?.value;
  }

  setMeta(name: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value',
      )
      .run(name, value);
  }

  getSignal(key: string): SignalRecord | undefined {
    const row = this.db.prepare('SELECT * FROM signals WHERE key = ?').get(key) as SignalRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  findSignalByKeyPrefix(prefix: string): SignalRecord | undefined {
    if (!/^[0-9a-f]+$/.test(prefix)) return undefined;
    const row = this.db.prepare('SELECT * FROM signals WHERE key LIKE ?').get(`${prefix}%`) as
      SignalRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  allSignals(): SignalRecord[] {
    return (this.db.prepare('SELECT * FROM signals ORDER BY received_at').all() as SignalRow[]).map(fromRow);
  }

  putSignal(record: SignalRecord): void {
    this.db
      .prepare(
        // Columns by name: a column added by ALTER TABLE goes at the end, wherever its migration is.
        `INSERT INTO signals (${SIGNAL_COLUMNS.join(', ')}) VALUES (${SIGNAL_COLUMNS.map((c) => `@${c}`).join(', ')})
         ON CONFLICT(key) DO UPDATE SET folder = excluded.folder, uid_validity = excluded.uid_validity, uid = excluded.uid,
           notified_primary_at = excluded.notified_primary_at, notified_backup_at = excluded.notified_backup_at,
           refused_primary_at = excluded.refused_primary_at, refused_backup_at = excluded.refused_backup_at,
           acknowledged_at = excluded.acknowledged_at, mdn_sent_at = excluded.mdn_sent_at,
           confirmed_at = excluded.confirmed_at, confirmed_by = excluded.confirmed_by,
           escalated_at = excluded.escalated_at, escalation_reason = excluded.escalation_reason,
           reminder_sent_at = excluded.reminder_sent_at, purged_at = excluded.purged_at,
           purge_verified = excluded.purge_verified, needs_review = excluded.needs_review, children = excluded.children,
           handed_on_at = excluded.handed_on_at, held_at = excluded.held_at,
           arrived_at = excluded.arrived_at, out_of_office_at = excluded.out_of_office_at,
           revealed_at = COALESCE(signals.revealed_at, excluded.revealed_at),
           confirmed_notices_at = COALESCE(signals.confirmed_notices_at, excluded.confirmed_notices_at)`,
      )
      .run(toRow(record));
  }

  deleteSignal(key: string): void {
    this.db.prepare('DELETE FROM signals WHERE key = ?').run(key);
  }

  append(entry: AuditEntry): AuditRow {
    return this.db.transaction(() => {
      const last = this.db.prepare('SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1').get() as
        { id: number; hash: string } | undefined;
      const prevHash = last?.hash ?? GENESIS_HASH;
      const hash = chainHash(prevHash, entry);
      const id = (last?.id ?? 0) + 1;
      this.db
        .prepare('INSERT INTO audit (id, at, type, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, entry.at, entry.type, JSON.stringify(entry.data), prevHash, hash);
      return { ...entry, id, prevHash, hash };
    })();
  }

  /**
   * Retention: removes the oldest rows, those before `before` up to the first row that is not,
   * after appending a prune row that accounts for them (see the triggers in MIGRATIONS). Returns
   * the prune row, or undefined when no row was old enough and nothing changed.
   */
  prune(before: Date, now: Date = new Date()): AuditRow | undefined {
    return this.db.transaction(() => {
      const hashes: string[] = [];
      let fromId: number | undefined;
      let toId: number | undefined;
      const oldest = this.db
        .prepare('SELECT id, at, hash FROM audit ORDER BY id')
        .iterate() as Iterable<AuditHead>;
      for (const row of oldest) {
        if (!(Date.parse(row.at) < before.getTime())) break;
        fromId ??= row.id;
        toId = row.id;
        hashes.push(row.hash);
      }
      if (fromId === undefined || toId === undefined) return undefined;
      const prune = this.append(pruneEntry(now, { before, fromId, toId, hashes }));
      this.db
        .prepare('INSERT INTO audit_prune_permit (one, prune_id, from_id, to_id) VALUES (1, ?, ?, ?)')
        .run(prune.id, fromId, toId);
      this.db.prepare('DELETE FROM audit WHERE id BETWEEN ? AND ?').run(fromId, toId);
      this.db.prepare('DELETE FROM audit_prune_permit').run();
      return prune;
    })();
  }

  rows(): AuditRow[] {
    const rows = this.db.prepare('SELECT * FROM audit ORDER BY id').all() as {
      id: number;
      at: string;
      type: AuditEntry['type'];
      data: string;
      prev_hash: string;
      hash: string;
    }[];
    return rows.map((row) => ({
      id: row.id,
      at: row.at,
      type: row.type,
      data: JSON.parse(row.data) as AuditEntry['data'],
      prevHash: row.prev_hash,
      hash: row.hash,
    }));
  }

  /** The link mode's tokens, in the same database (src/adapters/link-tokens.ts). */
  linkTokens(): SqliteLinkTokens {
    return new SqliteLinkTokens(this.db);
  }

  /** Runs `work` in one transaction, so that a workflow row and its audit row land together. */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** Only a missing file is a fresh state: one this user may not see is an error, not an empty state. */
function fileExists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw err;
  }
}

const orNull = (value: string | undefined): string | null => value ?? null;
const orUndefined = (value: string | null): string | undefined => value ?? undefined;

function toRow(record: SignalRecord): SignalRow {
  return {
    key: record.key,
    uid_validity: record.uidValidity,
    uid: record.uid,
    received_at: record.receivedAt,
    notified_primary_at: orNull(record.notified.primary),
    notified_backup_at: orNull(record.notified.backup),
    refused_primary_at: orNull(record.refused.primary),
    refused_backup_at: orNull(record.refused.backup),
    acknowledged_at: orNull(record.acknowledgedAt),
    mdn_sent_at: orNull(record.mdnSentAt),
    confirmed_at: orNull(record.confirmedAt),
    confirmed_by: orNull(record.confirmedBy),
    escalated_at: orNull(record.escalatedAt),
    escalation_reason: orNull(record.escalationReason),
    reminder_sent_at: orNull(record.reminderSentAt),
    purged_at: orNull(record.purgedAt),
    purge_verified: record.purgeVerified === undefined ? null : Number(record.purgeVerified),
    needs_review: Number(record.needsReview),
    children: record.children,
    folder: orNull(record.folder),
    handed_on_at: orNull(record.handedOnAt),
    held_at: orNull(record.heldAt),
    arrived_at: orNull(record.arrivedAt),
    out_of_office_at: orNull(record.outOfOfficeAt),
    revealed_at: orNull(record.revealedAt),
    confirmed_notices_at: orNull(record.confirmedNoticesAt),
  };
}

/** The per-role columns (`<what>_primary_at`, `<what>_backup_at`) as one role-keyed map. */
function byRole(primary: string | null, backup: string | null): Partial<Record<ContactRole, string>> {
  return { ...(primary !== null ? { primary } : {}), ...(backup !== null ? { backup } : {}) };
}

function fromRow(row: SignalRow): SignalRecord {
  const record: SignalRecord = {
    key: row.key,
    uidValidity: row.uid_validity,
    uid: row.uid,
    receivedAt: row.received_at,
    notified: byRole(row.notified_primary_at, row.notified_backup_at),
    refused: byRole(row.refused_primary_at, row.refused_backup_at),
    needsReview: row.needs_review === 1,
    children: row.children,
  };
  const optional: Partial<SignalRecord> = {
    folder: orUndefined(row.folder),
    arrivedAt: orUndefined(row.arrived_at),
    outOfOfficeAt: orUndefined(row.out_of_office_at),
    acknowledgedAt: orUndefined(row.acknowledged_at),
    mdnSentAt: orUndefined(row.mdn_sent_at),
    confirmedAt: orUndefined(row.confirmed_at),
    confirmedBy: orUndefined(row.confirmed_by) as SignalRecord['confirmedBy'],
    escalatedAt: orUndefined(row.escalated_at),
    escalationReason: orUndefined(row.escalation_reason) as SignalRecord['escalationReason'],
    reminderSentAt: orUndefined(row.reminder_sent_at),
    handedOnAt: orUndefined(row.handed_on_at),
    purgedAt: orUndefined(row.purged_at),
    purgeVerified: row.purge_verified === null ? undefined : row.purge_verified === 1,
    heldAt: orUndefined(row.held_at),
    revealedAt: orUndefined(row.revealed_at),
    confirmedNoticesAt: orUndefined(row.confirmed_notices_at),
  };
  for (const [name, value] of Object.entries(optional)) {
    if (value !== undefined) (record as unknown as Record<string, unknown>)[name] = value;
  }
  return record;
}
