import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
} from 'node:fs';
import { join } from 'node:path';
import { HwcError } from '../core/errors.js';

export type StorageDirCode =
  | 'STORAGE_SYMLINK'
  | 'STORAGE_NOT_DIRECTORY'
  | 'STORAGE_NOT_FILE'
  | 'STORAGE_WORLD_WRITABLE'
  | 'STORAGE_NOT_PRIVATE';

/**
 * The storage directory or a file in it is not safe to write to. The message names the path and
 * the fix, and nothing else: no content of any file.
 */
export class StorageDirError extends HwcError {
  constructor(
    override readonly code: StorageDirCode,
    message: string,
  ) {
    super(code, message);
  }
}

const { O_RDONLY, O_RDWR, O_CREAT, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = constants;

/** The names next to the database that SQLite may open; none of them may be a link. */
export function sqliteFiles(databaseFile: string): string[] {
  return [databaseFile, `${databaseFile}-journal`, `${databaseFile}-wal`, `${databaseFile}-shm`];
}

/** The lock files of storage-lock.ts (hwc.lock, hwc-run.lock), their pid files and journals. */
const LOCK_FILE = /\.lock(?:\.pid|-journal)?$/;

/**
 * Makes the storage directory safe to write before SQLite opens anything in it: created if
 * missing, 0700 and its files 0600 whatever the umask, and no symbolic link followed. A
 * world-writable directory is refused rather than fixed, because anyone may already have put a
 * file there; a directory of ours that is merely too open (group or world bits) is narrowed.
 * The database file is created here with O_NOFOLLOW, so that SQLite opens the file we checked.
 */
export function prepareStorageDir(dir: string, databaseFile: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    // A dangling link or a file in its place: the open below says which.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const fd = openNoFollow(dir, O_RDONLY | O_DIRECTORY, dir);
  try {
    const mode = fstatSync(fd).mode & 0o7777;
    if (mode & 0o002) {
      throw new StorageDirError(
        'STORAGE_WORLD_WRITABLE',
        `${dir} is world-writable (mode ${octal(mode)}), so anyone may have put files in it; ` +
          `check what is in it, then chmod 700 ${dir}`,
      );
    }
    ensureMode(fd, 0o700, dir);
  } finally {
    closeSync(fd);
  }
  const guarded = new Set(sqliteFiles(databaseFile));
  for (const name of readdirSync(dir)) {
    // The lock files are never opened here: closing any descriptor of a file drops every POSIX
    // lock this process holds on it (fcntl(2)), which would let a second hwc in. storage-lock.ts
    // refuses a link in their place and keeps them 0600 itself.
    if (LOCK_FILE.test(name)) continue;
    const path = join(dir, name);
    const fd = openEntry(path, dir, guarded.has(name));
    if (fd === undefined) continue;
    try {
      const isFile = fstatSync(fd).isFile();
      if (guarded.has(name) && !isFile) {
        throw new StorageDirError(
          'STORAGE_NOT_FILE',
          `${path} is not a regular file; remove it (rm -r ${path}) and find out who put it there`,
        );
      }
      if (isFile) ensureMode(fd, 0o600, path);
    } finally {
      closeSync(fd);
    }
  }
  // Created here, not by SQLite, so that a link planted after the scan above is not followed
  // either; SQLite gives its journal the mode of this file.
  const database = join(dir, databaseFile);
  const db = openNoFollow(database, O_RDWR | O_CREAT, dir);
  try {
    ensureMode(db, 0o600, database);
  } finally {
    closeSync(db);
  }
}

/** Opens a directory entry to check it; a link nothing opens, or an entry just removed, is skipped. */
function openEntry(path: string, dir: string, guarded: boolean): number | undefined {
  try {
    return openNoFollow(path, O_RDONLY | O_NONBLOCK, dir);
  } catch (err) {
    if (guarded) throw err;
    const skip =
      err instanceof StorageDirError ||
      ['ENOENT', 'ENXIO'].includes(String((err as NodeJS.ErrnoException).code));
    if (skip) return undefined;
    throw err;
  }
}

/** Opens `path` without following a final symbolic link, and says what to do when it is one. */
function openNoFollow(path: string, flags: number, dir: string): number {
  try {
    return openSync(path, flags | O_NOFOLLOW, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // With O_DIRECTORY, Linux reports a link as ENOTDIR rather than ELOOP.
    if (code === 'ELOOP' || (code === 'ENOTDIR' && isLink(path))) {
      throw new StorageDirError(
        'STORAGE_SYMLINK',
        path === dir
          ? `${dir} is a symbolic link, which hwc does not follow; set storage to the directory it points to`
          : `${path} is a symbolic link, which hwc never follows; remove it (rm ${path}) and find out who put it there`,
      );
    }
    if (code === 'ENOTDIR' && path === dir) {
      throw new StorageDirError(
        'STORAGE_NOT_DIRECTORY',
        `${dir} is not a directory; check the storage key, which must name a directory`,
      );
    }
    throw err;
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function ensureMode(fd: number, mode: number, path: string): void {
  if ((fstatSync(fd).mode & 0o7777) === mode) return;
  try {
    fchmodSync(fd, mode);
  } catch {
    throw new StorageDirError(
      'STORAGE_NOT_PRIVATE',
      `${path} is not mode ${octal(mode)} and this user cannot change that; ` +
        `give it to the user that runs hwc and chmod ${octal(mode).slice(1)} ${path}`,
    );
  }
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** What to do when SQLite itself refuses the state database, by its result code. */
const SQLITE_FIXES: Record<string, string> = {
  SQLITE_NOTADB:
    'the state database is not an hwc state database; move it away (hwc then starts a fresh state) or restore it from a backup',
  SQLITE_CORRUPT:
    'the state database is damaged; move it away (hwc then starts a fresh state) or restore it from a backup',
  SQLITE_CANTOPEN:
    'the state database cannot be opened; check that this user may read and write the storage directory',
  SQLITE_READONLY_ROLLBACK:
    'a check was cut short and its rollback journal must be replayed, which needs write access; run hwc check (not --dry-run) as the user that runs hwc',
};

/** The one line a command prints when the storage directory cannot be used. */
export function storageFailureMessage(storage: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? (err as Error).name;
  const fix =
    err instanceof StorageDirError
      ? err.message
      : (SQLITE_FIXES[code] ?? 'check the storage key and that this user may write there');
  return `hwc: cannot use the storage directory ${storage} (${code}); ${fix}\n`;
}
