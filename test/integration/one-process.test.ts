import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../src/adapters/sqlite-store.js';
import { CHECK_LOCK_FILE } from '../../src/adapters/storage-lock.js';
import { runHwc, spawnHwc } from '../support/hwc.js';
import { startHwc } from '../support/daemon.js';
import { deliver, listMessages, waitForMessages } from '../support/mailstack.js';
import { createSchool, signalMail, type School } from '../support/school.js';

const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
// The dead-man alarm goes out once the morning's last scheduled check failed: here that is 23:58.
const LATE = { checks: ['00:00', '23:58'], days: EVERY_DAY, deadline: '23:59' };

async function withSignal(s: School, id: string): Promise<void> {
  await deliver(signalMail(s.vt.address, s.hwc.address, { id }), { from: s.vt.address, to: [s.hwc.address] });
  await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
}

function signalAuditRows(s: School): number {
  const db = new Database(join(s.install.storage, DATABASE_FILE), { readonly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM audit WHERE type = 'signal'").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('one process at a time on a storage directory', () => {
  it('when two hwc check runs start at once with one signal, then the second waits for the first: one notification each, one receipt, one purge row', async () => {
    const s = await createSchool({ notify: 'both', schedule: LATE });
    await withSignal(s, 'twice-1@veiligthuis.test');
    const [a, b] = [0, 1].map(() =>
      spawnHwc(['check', '--config', s.install.configFile], { env: s.install.env }),
    );
    const [first, second] = await Promise.all([a!.exited, b!.exited]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    await waitForMessages(s.zorg, 'INBOX', 1, 10_000);
    await waitForMessages(s.backup, 'INBOX', 1, 10_000);
    await waitForMessages(s.vt, 'INBOX', 1, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await listMessages(s.zorg, 'INBOX')).toHaveLength(1);
    expect(await listMessages(s.backup, 'INBOX')).toHaveLength(1);
    expect(await listMessages(s.vt, 'INBOX')).toHaveLength(1);
    expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(0);
    expect(signalAuditRows(s)).toBe(1);
  }, 60_000);

  it('when the lock is held for longer than checkTimeout, then hwc check does not run, names the holder, and exits 75', async () => {
    const s = await createSchool({ checkTimeout: '2s', schedule: LATE });
    await withSignal(s, 'held-1@veiligthuis.test');
    // Held by this test process, the way another hwc would hold it (BEGIN EXCLUSIVE, pid beside it).
    mkdirSync(s.install.storage, { recursive: true, mode: 0o700 });
    const holder = new Database(join(s.install.storage, CHECK_LOCK_FILE), { timeout: 0 });
    holder.exec('BEGIN EXCLUSIVE');
    writeFileSync(join(s.install.storage, `${CHECK_LOCK_FILE}.pid`), `${process.pid}\n`);
    try {
      const run = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
      expect(run.code, run.stdout + run.stderr).toBe(75);
      expect(run.stderr).toContain(`pid ${process.pid}`);
      expect(run.stderr).toContain('checkTimeout');
      expect(run.stdout).toContain('"code":"STORAGE_LOCKED"');
      expect(await listMessages(s.zorg, 'INBOX')).toHaveLength(0);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  }, 60_000);

  it('when a check holding the lock is SIGKILLed, then the next check does not wait for it', async () => {
    const s = await createSchool({ notify: 'both', schedule: LATE });
    await withSignal(s, 'killed-holder@veiligthuis.test');
    const killed = await runHwc(['check', '--config', s.install.configFile], {
      env: { ...s.install.env, HWC_TEST_KILL_AT: 'after-fetch' },
    });
    expect(killed.signal).toBe('SIGKILL');
    const next = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(next.stdout).not.toContain('"outcome":"waiting"');
    await waitForMessages(s.zorg, 'INBOX', 1, 10_000);
  }, 60_000);

  it('when a second hwc run starts on the same storage, then it refuses with exit 75 and names the pid of the first', async () => {
    const s = await createSchool({ schedule: LATE });
    const first = startHwc(['run', '--config', s.install.configFile], { env: s.install.env });
    try {
      await first.waitForOutput(/daemon started/);
      const second = await runHwc(['run', '--config', s.install.configFile], { env: s.install.env });
      expect(second.code, second.stdout + second.stderr).toBe(75);
      expect(second.stderr).toContain(`pid ${first.pid}`);
      // A manual check beside the daemon still runs (after the daemon's check, if one runs).
      const manual = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
      expect(manual.code, manual.stdout + manual.stderr).toBe(0);
    } finally {
      const stopped = await first.stop();
      expect(stopped.code).toBe(0);
    }
  }, 60_000);
});
