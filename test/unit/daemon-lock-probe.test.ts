import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DAEMON_LOCK_FILE, DAEMON_START_WAIT_MS, StorageLock } from '../../src/adapters/storage-lock.js';

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
