import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DAEMON_LOCK_FILE } from '../../src/adapters/storage-lock.js';
import { runHwc } from '../support/hwc.js';
import { startHwc } from '../support/daemon.js';
import { freePort } from '../support/link-mode.js';
import { createSchool } from '../support/school.js';

const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const LATE = { checks: ['00:00', '23:58'], days: EVERY_DAY, deadline: '23:59' };

describe('a link-mode hwc check looking for hwc run, and hwc run starting', () => {
  it('when hwc run starts while a check is looking at hwc-run.lock, then hwc run waits for that instant and starts', async () => {
    const s = await createSchool({ schedule: LATE });
    mkdirSync(s.install.storage, { recursive: true, mode: 0o700 });
    const lockFile = join(s.install.storage, DAEMON_LOCK_FILE);
    writeFileSync(lockFile, '', { mode: 0o600 });
    // The check's look, a read that takes a shared lock, held open here until hwc run meets it.
    const look = new Database(lockFile, { readonly: true, timeout: 0 });
    look.exec('BEGIN');
    look.prepare('SELECT count(*) FROM sqlite_master').get();
    const daemon = startHwc(['run', '--config', s.install.configFile], { env: s.install.env });
    try {
      await daemon.waitForOutput(/hwc-run.lock is busy; waiting briefly/);
      look.exec('COMMIT');
      await daemon.waitForOutput(/daemon started/);
    } finally {
      look.close();
      const stopped = await daemon.stop();
      expect(stopped.code, stopped.stdout + stopped.stderr).toBe(0);
    }
  }, 60_000);

  it('when no hwc run runs, then a link-mode hwc check refuses without making its lock file; beside a running hwc run it checks', async () => {
    const port = await freePort();
    const s = await createSchool({
      schedule: LATE,
      deliver: 'link',
      web: { listen: `127.0.0.1:${port}`, baseUrl: `http://127.0.0.1:${port}` },
    });
    const refused = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(refused.code, refused.stdout + refused.stderr).toBe(78);
    expect(refused.stderr).toContain('deliver: link needs hwc run');
    expect(existsSync(join(s.install.storage, DAEMON_LOCK_FILE))).toBe(false);
    const daemon = startHwc(['run', '--config', s.install.configFile], { env: s.install.env });
    try {
      await daemon.waitForOutput(/daemon started/);
      const beside = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
      expect(beside.code, beside.stdout + beside.stderr).toBe(0);
    } finally {
      const stopped = await daemon.stop();
      expect(stopped.code, stopped.stdout + stopped.stderr).toBe(0);
    }
  }, 60_000);
});
