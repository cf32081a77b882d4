/**
 * One process at a time on a storage directory. The lock is SQLite's own: a connection to a
 * small database file of its own holds `BEGIN EXCLUSIVE`, which SQLite takes as a POSIX fcntl
 * lock on that file. The kernel drops the lock when the process ends in any way (SIGKILL, a power
 * cut only ends everything anyway), so a dead holder never blocks the next check. The pid beside
 * it is only for the message that names the holder; it decides nothing.
 */
import {
  chmodSync,
  constants,
  closeSync,
  ftruncateSync,
  lstatSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HwcError } from '../core/errors.js';
import { DATABASE_FILE } from './sqlite-store.js';
import { prepareStorageDir } from './storage-dir.js';

/** Held by every check (hwc check, and each check of hwc run) while it runs. */
export const CHECK_LOCK_FILE = 'hwc.lock';
/** Held by hwc run for as long as it runs: there is one daemon per storage directory. */
export const DAEMON_LOCK_FILE = 'hwc-run.lock';
/**
 * How long a starting hwc run waits for its lock: long enough for a link-mode hwc check that is
 * just looking whether a daemon runs, far too short to wait for a second daemon, which is refused.
 */
export const DAEMON_START_WAIT_MS = 2_000;

export interface LockWait {
  /** How long to wait for the holder; 0 tries once. */
  waitMs: number;
  pollMs?: number;
  /** Called once, when the lock is held by another process and the wait begins. */
  onWait?: (holderPid: number | undefined) => void;
  sleep?: (ms: number) => Promise<void>;
}

export type LockAttempt = { held: StorageLock } | { heldBy: number | undefined };

/**
 * A lock file that is there but cannot be read (damaged, a link, another user's): whether anyone
 * holds it is unknown. `code` is the cause's (SQLITE_NOTADB, ELOOP, EACCES, ...).
 */
export class LockUnreadableError extends HwcError {
  constructor(
    readonly file: string,
    code: string,
  ) {
    super(code, `${file} cannot be read (${code})`);
  }
}

export class StorageLock {
  private constructor(
    private readonly db: Database.Database,
    private readonly pidFile: string,
  ) {}

  /** Takes the lock, waiting up to `waitMs` for another process to let go of it. */
  static async acquire(storageDir: string, name: string, wait: LockWait): Promise<LockAttempt> {
    // The same rules as for the state itself (private, no planted links) before a file is made here.
    prepareStorageDir(storageDir, DATABASE_FILE);
    const file = join(storageDir, name);
    refuseSymlink(file);
    const db = openLockFile(file);
    const sleep = wait.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const pidFile = `${file}.pid`;
    const until = Date.now() + wait.waitMs;
    for (let tries = 0; ; tries += 1) {
      let taken: boolean;
      try {
        taken = tryExclusive(db);
      } catch (err) {
        db.close();
        throw damagedOr(file, err);
      }
      if (taken) {
        writePid(pidFile);
        return { held: new StorageLock(db, pidFile) };
      }
      if (tries === 0) wait.onWait?.(readPid(pidFile));
      if (Date.now() >= until) {
        db.close();
        return { heldBy: readPid(pidFile) };
      }
      await sleep(Math.min(wait.pollMs ?? 250, Math.max(1, until - Date.now())));
    }
  }

  /**
   * Whether another process holds this lock, found without taking it: a read of the lock's
   * database needs only a shared lock, for an instant, and fails while the holder's exclusive one
   * stands. Nothing is created or written (no pid file): a lock file that does not exist is held
   * by nobody. A process starting to take the lock at that instant may still meet the shared
   * lock, which is why `hwc run` waits DAEMON_START_WAIT_MS for its own. A lock file that is there
   * but cannot be read throws LockUnreadableError: it is neither held nor free, the caller decides.
   */
  static heldByAnother(storageDir: string, name: string): boolean {
    const file = join(storageDir, name);
    let db: Database.Database;
    try {
      refuseSymlink(file);
      db = new Database(file, { readonly: true, fileMustExist: true, timeout: 0 });
    } catch (err) {
      if (isMissing(file)) return false;
      throw unreadable(file, err);
    }
    try {
      db.prepare('SELECT count(*) FROM sqlite_master').get();
      return false;
    } catch (err) {
      if (codeOf(err) === 'SQLITE_BUSY') return true;
      throw unreadable(file, err);
    } finally {
      db.close();
    }
  }

  release(): void {
    if (!this.db.open) return;
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.db.close();
  }
}

/** The lock's database connection; closed again, and a damaged file named, when that fails. */
function openLockFile(file: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout: 0 });
    chmodSync(file, 0o600);
    // The file stays empty, but taking the lock reads its first page, and SQLite's page cache
    // then allocates 20 pages of page_size at once, held with the lock (hwc run's for the life of
    // the daemon). At 512 instead of 4096 a held lock costs 70 KB less: 14 MB for 200 schools in
    // one process. A lock file that has content after all keeps its own page size.
    db.pragma('page_size = 512');
    return db;
  } catch (err) {
    db?.close();
    throw damagedOr(file, err);
  }
}

function tryExclusive(db: Database.Database): boolean {
  try {
    db.exec('BEGIN EXCLUSIVE');
    return true;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'SQLITE_BUSY') return false;
    throw err;
  }
}

const codeOf = (err: unknown): string => {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
};

const unreadable = (file: string, err: unknown): LockUnreadableError =>
  new LockUnreadableError(file, codeOf(err));

/** A lock file that is not a database (damaged, or another file's content) is named as such. */
const damagedOr = (file: string, err: unknown): unknown =>
  ['SQLITE_NOTADB', 'SQLITE_CORRUPT'].includes(codeOf(err)) ? unreadable(file, err) : err;

/**
 * The line a command prints for a damaged lock file: the lock file, not the state database, is
 * what to remove. It never holds data; hwc makes it anew.
 */
export function lockFailureMessage(err: LockUnreadableError): string {
  return `hwc: cannot use the lock file ${err.file} (${err.code}); it holds no data: remove it while no hwc check or hwc run uses this storage directory, and hwc makes it anew\n`;
}

/** Only "no such file" means nobody holds it; a directory this user cannot search is not that. */
function isMissing(file: string): boolean {
  try {
    lstatSync(file);
    return false;
  } catch (err) {
    return codeOf(err) === 'ENOENT';
  }
}

/** A lock file that someone replaced with a symlink would lock (and create) a file elsewhere. */
function refuseSymlink(file: string): void {
  try {
    if (lstatSync(file).isSymbolicLink()) {
      throw Object.assign(new Error('lock file is a symlink'), { code: 'ELOOP' });
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Best effort: a full disk must not stop a check that holds the lock. */
function writePid(pidFile: string): void {
  try {
    // Overwritten, then cut to length: a file truncated to nothing and written again is flushed
    // to disk at close by ext4 (auto_da_alloc), a wait of its own in every check.
    const fd = openSync(pidFile, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    try {
      const pid = Buffer.from(`${process.pid}\n`);
      writeSync(fd, pid, 0, pid.length, 0);
      ftruncateSync(fd, pid.length);
    } finally {
      closeSync(fd);
    }
  } catch {
    // The pid only names the holder in another process's message.
  }
}

function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
