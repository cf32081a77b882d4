import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE, SqliteStore } from '../../src/adapters/sqlite-store.js';
import { StorageDirError, storageFailureMessage } from '../../src/adapters/storage-dir.js';

const mode = (path: string): number => lstatSync(path).mode & 0o7777;

function openError(storage: string): StorageDirError {
  try {
    SqliteStore.open(storage).close();
  } catch (err) {
    if (err instanceof StorageDirError) return err;
    throw err;
  }
  throw new Error('the storage directory was accepted');
}

describe('the storage directory, when a command writes to it', () => {
  let root: string;
  let umask: number;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'hwc-storage-'));
    // The widest umask: every mode below comes from hwc, not from the environment.
    umask = process.umask(0o000);
  });
  afterEach(() => {
    process.umask(umask);
  });

  it('when it does not exist and the umask is 000, then it is created 0700 and the database 0600', () => {
    const storage = join(root, 'state');
    const store = SqliteStore.open(storage);
    store.setMeta('probe', 'x');
    store.close();
    expect(mode(storage)).toBe(0o700);
    expect(mode(join(storage, DATABASE_FILE))).toBe(0o600);
  });

  it('when a directory of ours and its files are too open but not world-writable, then they are narrowed to 0700 and 0600', () => {
    const storage = join(root, 'state');
    mkdirSync(storage, { mode: 0o770 });
    SqliteStore.open(storage).close();
    chmodSync(join(storage, DATABASE_FILE), 0o664);
    writeFileSync(join(storage, 'other.txt'), 'x', { mode: 0o644 });
    SqliteStore.open(storage).close();
    expect(mode(storage)).toBe(0o700);
    expect(mode(join(storage, DATABASE_FILE))).toBe(0o600);
    expect(mode(join(storage, 'other.txt'))).toBe(0o600);
  });

  it('when it is world-writable, then it is refused with the directory and the fix named, and nothing is created in it', () => {
    const storage = join(root, 'state');
    mkdirSync(storage, { mode: 0o777 });
    const err = openError(storage);
    expect(err.code).toBe('STORAGE_WORLD_WRITABLE');
    expect(err.message).toContain(`${storage} is world-writable (mode 0777)`);
    expect(err.message).toContain(`chmod 700 ${storage}`);
    expect(readdirSync(storage)).toEqual([]);
    expect(mode(storage)).toBe(0o777);
  });

  it('when the directory itself is a symbolic link, then it is refused and the link is not followed', () => {
    const real = join(root, 'elsewhere');
    mkdirSync(real, { mode: 0o700 });
    const storage = join(root, 'state');
    symlinkSync(real, storage);
    const err = openError(storage);
    expect(err.code).toBe('STORAGE_SYMLINK');
    expect(err.message).toContain(`${storage} is a symbolic link`);
    expect(err.message).toContain('set storage to the directory it points to');
    expect(readdirSync(real)).toEqual([]);
  });

  it.each([DATABASE_FILE, `${DATABASE_FILE}-journal`, `${DATABASE_FILE}-wal`])(
    'when %s is a symbolic link planted in it, then it is refused, the path and the fix named, and the target untouched',
    (name) => {
      const storage = join(root, 'state');
      mkdirSync(storage, { mode: 0o700 });
      const target = join(root, 'victim');
      writeFileSync(target, 'precious', { mode: 0o644 });
      symlinkSync(target, join(storage, name));
      const err = openError(storage);
      expect(err.code).toBe('STORAGE_SYMLINK');
      expect(err.message).toContain(`${join(storage, name)} is a symbolic link, which hwc never follows`);
      expect(err.message).toContain(`rm ${join(storage, name)}`);
      expect(readFileSync(target, 'utf8')).toBe('precious');
      expect(mode(target)).toBe(0o644);
    },
  );

  it('when the journal is a directory, then it is refused as not a regular file', () => {
    const storage = join(root, 'state');
    mkdirSync(join(storage, `${DATABASE_FILE}-journal`), { recursive: true, mode: 0o700 });
    expect(openError(storage).code).toBe('STORAGE_NOT_FILE');
  });

  it('when a link with a name hwc never opens is in it, then it is left alone and its target keeps its mode', () => {
    const storage = join(root, 'state');
    mkdirSync(storage, { mode: 0o700 });
    const target = join(root, 'notes.txt');
    writeFileSync(target, 'x', { mode: 0o644 });
    symlinkSync(target, join(storage, 'notes.txt'));
    SqliteStore.open(storage).close();
    expect(statSync(target).mode & 0o777).toBe(0o644);
  });

  it('when the store is opened read-only, then nothing is created or changed', () => {
    const storage = join(root, 'state');
    mkdirSync(storage, { mode: 0o777 });
    SqliteStore.open(storage, { readOnly: true }).close();
    expect(readdirSync(storage)).toEqual([]);
    expect(mode(storage)).toBe(0o777);
  });
});

describe('the storage failure message', () => {
  it('when the error is a storage error, then it has the code and the fix, and otherwise the errno code and the general advice', () => {
    const refused = new StorageDirError('STORAGE_WORLD_WRITABLE', '/s is world-writable; chmod 700 /s');
    expect(storageFailureMessage('/s', refused)).toBe(
      'hwc: cannot use the storage directory /s (STORAGE_WORLD_WRITABLE); /s is world-writable; chmod 700 /s\n',
    );
    const errno = Object.assign(new Error('permission denied'), { code: 'EACCES' });
    expect(storageFailureMessage('/s', errno)).toBe(
      'hwc: cannot use the storage directory /s (EACCES); check the storage key and that this user may write there\n',
    );
  });
});
