import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  CHECK_LOCK_FILE,
  DAEMON_LOCK_FILE,
  DAEMON_START_WAIT_MS,
  LockUnreadableError,
  StorageLock,
  lockFailureMessage,
} from '../../src/adapters/storage-lock.js';
import { linkCheckRefusal } from '../../src/commands/link-check-guard.js';
import type { Io } from '../../src/commands/io.js';
import { captureLogger } from '../support/capture-logger.js';

function storage(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'hwc-probe-')), 'state');
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

describe('looking whether hwc run holds its lock, without taking it', () => {
  it('when no hwc run ever used the storage, then nobody holds it and no file is made', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hwc-probe-')), 'missing');
    expect(StorageLock.heldByAnother(dir, DAEMON_LOCK_FILE)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it('when hwc run holds the lock, then the probe says so and leaves its pid file alone; once it is released, nobody holds it', async () => {
    const dir = storage();
    const attempt = await StorageLock.acquire(dir, DAEMON_LOCK_FILE, { waitMs: 0 });
    if (!('held' in attempt)) throw new Error('the lock should have been free');
    const pid = readFileSync(join(dir, `${DAEMON_LOCK_FILE}.pid`), 'utf8');
    expect(StorageLock.heldByAnother(dir, DAEMON_LOCK_FILE)).toBe(true);
    expect(readFileSync(join(dir, `${DAEMON_LOCK_FILE}.pid`), 'utf8')).toBe(pid);
    attempt.held.release();
    expect(StorageLock.heldByAnother(dir, DAEMON_LOCK_FILE)).toBe(false);
  });

  it('when a probe holds its shared lock at the instant hwc run takes its own, then hwc run waits for it and gets the lock', async () => {
    const dir = storage();
    (
      await StorageLock.acquire(dir, DAEMON_LOCK_FILE, { waitMs: 0 }).then((a) =>
        'held' in a ? a.held : undefined,
      )
    )?.release();
    // A probe's read, held open: the shared lock it takes for an instant, made to last.
    const probe = new Database(join(dir, DAEMON_LOCK_FILE), { readonly: true, timeout: 0 });
    probe.exec('BEGIN');
    probe.prepare('SELECT count(*) FROM sqlite_master').get();
    setTimeout(() => probe.exec('COMMIT'), 200);
    try {
      const attempt = await StorageLock.acquire(dir, DAEMON_LOCK_FILE, {
        waitMs: DAEMON_START_WAIT_MS,
        pollMs: 50,
      });
      expect('held' in attempt).toBe(true);
      if ('held' in attempt) attempt.held.release();
    } finally {
      probe.close();
    }
  });

  it("when the pid file still holds a longer pid of an earlier holder, then taking the lock leaves exactly this process's pid in it", async () => {
    const dir = storage();
    writeFileSync(join(dir, `${DAEMON_LOCK_FILE}.pid`), '12345678901234567890\n', { mode: 0o600 });
    const attempt = await StorageLock.acquire(dir, DAEMON_LOCK_FILE, { waitMs: 0 });
    if (!('held' in attempt)) throw new Error('the lock should have been free');
    expect(readFileSync(join(dir, `${DAEMON_LOCK_FILE}.pid`), 'utf8')).toBe(`${process.pid}\n`);
    attempt.held.release();
  });
});

/** A link-mode `hwc check` asking the guard whether it may run, with what it wrote and logged. */
function guard(dir: string): { refused: number | undefined; stderr: string; logs: string } {
  let stderr = '';
  const io: Io = {
    env: {},
    cwd: dir,
    stdout: { write: () => undefined },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    signals: { once: () => undefined },
  };
  const { logger, logs } = captureLogger();
  const refused = linkCheckRefusal({ deliver: 'link', storage: dir }, { dryRun: false }, io, logger);
  return { refused, stderr, logs: logs() };
}

describe('taking a lock whose file is damaged', () => {
  it('when hwc.lock is not a database, then taking it names that file, not the state database, and says to remove it', async () => {
    const dir = storage();
    const file = join(dir, CHECK_LOCK_FILE);
    writeFileSync(file, 'not a database, but long enough to be read as one '.repeat(20), { mode: 0o600 });
    const failure = await StorageLock.acquire(dir, CHECK_LOCK_FILE, { waitMs: 0 }).catch(
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(LockUnreadableError);
    const message = lockFailureMessage(failure as LockUnreadableError);
    expect(message).toContain(`cannot use the lock file ${file} (SQLITE_NOTADB)`);
    expect(message).toContain('remove it while no hwc check or hwc run uses this storage directory');
    expect(message).not.toContain('state database');
  });
});

describe('the link-mode check guard on hwc-run.lock', () => {
  it('when hwc run holds its lock, then the check may run; when nobody does, it refuses with exit 78', async () => {
    const dir = storage();
    expect(guard(dir)).toMatchObject({
      refused: 78,
      stderr: expect.stringContaining('no hwc run is running'),
    });
    const attempt = await StorageLock.acquire(dir, DAEMON_LOCK_FILE, { waitMs: 0 });
    if (!('held' in attempt)) throw new Error('the lock should have been free');
    try {
      expect(guard(dir)).toEqual({ refused: undefined, stderr: '', logs: '' });
    } finally {
      attempt.held.release();
    }
  });

  it('when hwc-run.lock is damaged, then the probe cannot say and the check refuses with exit 1, naming the file and what to do, in its output and its log', () => {
    const dir = storage();
    const file = join(dir, DAEMON_LOCK_FILE);
    writeFileSync(file, 'not a database, but long enough to be read as one '.repeat(20), { mode: 0o600 });
    expect(() => StorageLock.heldByAnother(dir, DAEMON_LOCK_FILE)).toThrow(LockUnreadableError);

    const { refused, stderr, logs } = guard(dir);
    expect(refused).toBe(1);
    expect(stderr).toContain(`cannot read ${file} (SQLITE_NOTADB)`);
    expect(stderr).toContain('this check did not run');
    expect(stderr).toContain('stop hwc run if it runs (systemctl stop hwc-watcher), remove the file');
    const line = JSON.parse(logs.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({
      step: 'lock',
      outcome: 'refused',
      reason: 'lock-unreadable',
      code: 'SQLITE_NOTADB',
    });
    expect(String(line['msg'])).toContain('hwc-run.lock cannot be read');
  });

  it('when hwc-run.lock is a symbolic link, then the check refuses with exit 1 and says to remove it, and what it points to is not made', () => {
    const dir = storage();
    const target = join(dir, 'elsewhere.db');
    symlinkSync(target, join(dir, DAEMON_LOCK_FILE));
    const { refused, stderr } = guard(dir);
    expect(refused).toBe(1);
    expect(stderr).toContain('(ELOOP)');
    expect(stderr).toContain('symbolic link');
    expect(existsSync(target)).toBe(false);
  });
});
