import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../src/adapters/sqlite-store.js';
import { FILL_FILE } from '../../src/commands/test-hooks.js';
import { canaryForms, scanForCanaries } from '../support/canary.js';
import { runHwc, type HwcRun } from '../support/hwc.js';
import { deliver, listMessages, waitForMessages } from '../support/mailstack.js';
import { CANARY, createSchool, signalMail, type School } from '../support/school.js';

const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
// The dead-man alarm goes out once the morning's last scheduled check failed: here that is 23:58.
const LATE = { checks: ['00:00', '23:58'], days: EVERY_DAY, deadline: '23:59' };
const isRoot = process.getuid?.() === 0;

const check = (s: School, env: Record<string, string> = {}): Promise<HwcRun> =>
  runHwc(['check', '--config', s.install.configFile], { env: { ...s.install.env, ...env } });

const settle = () => new Promise((resolve) => setTimeout(resolve, 1_000));

function expectNoCanaries(s: School, runs: HwcRun[]): void {
  const outputs = runs.flatMap((run) => [run.stdout, run.stderr]);
  const { hits } = scanForCanaries(
    canaryForms([CANARY.name], [CANARY.isoDate]),
    [s.install.storage, s.install.tmp],
    Object.fromEntries(outputs.map((o, i) => [`output-${i}`, o])),
  );
  expect(hits).toEqual([]);
}

describe('state that cannot be written', () => {
  // A real full disk: a 1 MiB tmpfs as the storage directory, filled by the check itself at the
  // one moment that matters, after SMTP accepted the notification and before the state records
  // it (HWC_TEST_FILL_DISK_AT). SQLite's max_page_count would only refuse new pages, while a full
  // disk also refuses the rollback journal of an in-place update; mounting needs root.
  it.skipIf(!isRoot)(
    'when the disk fills up right after the notification went out, then later checks send nothing, fail with a trace, and once there is space again the signal is finished with at most one notification more',
    async () => {
      const s = await createSchool({ notify: 'both', schedule: LATE });
      mkdirSync(s.install.storage, { recursive: true, mode: 0o700 });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', s.install.storage]);
      try {
        await deliver(signalMail(s.vt.address, s.hwc.address, { id: 'full-1@veiligthuis.test' }), {
          from: s.vt.address,
          to: [s.hwc.address],
        });
        await waitForMessages(s.hwc, 'INBOX', 1, 10_000);

        const filled = await check(s, { HWC_TEST_FILL_DISK_AT: 'sent-notify-primary' });
        expect(filled.code, filled.stdout + filled.stderr).toBe(1);
        expect(filled.stdout).toContain('the audit row of this check could not be written');
        await waitForMessages(s.zorg, 'INBOX', 1, 10_000);

        const full: HwcRun[] = [];
        for (let i = 0; i < 3; i += 1) full.push(await check(s));
        for (const run of full) {
          expect(run.code, run.stdout + run.stderr).toBe(1);
          expect(run.stdout).toContain('"code":"STATE_UNWRITABLE"');
          expect(run.stdout).toContain('"outcome":"failed"');
        }
        await settle();
        expect(await listMessages(s.zorg, 'INBOX')).toHaveLength(1);
        expect(await listMessages(s.backup, 'INBOX')).toHaveLength(0);
        expect(await listMessages(s.vt, 'INBOX')).toHaveLength(0);
        expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(1);

        rmSync(join(s.install.storage, FILL_FILE));
        const freed = await check(s);
        expect(freed.code, freed.stdout + freed.stderr).toBe(0);
        await waitForMessages(s.backup, 'INBOX', 1, 10_000);
        await waitForMessages(s.vt, 'INBOX', 1, 10_000);
        await settle();
        // The one notification that went out unrecorded is sent once more, and no more.
        expect(await listMessages(s.zorg, 'INBOX')).toHaveLength(2);
        expect(await listMessages(s.backup, 'INBOX')).toHaveLength(1);
        expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(0);
        expectNoCanaries(s, [filled, ...full, freed]);
      } finally {
        execFileSync('umount', [s.install.storage]);
      }
    },
    120_000,
  );
});

describe('an SMTP that cannot send is found before a signal needs it', () => {
  it('when the SMTP password is wrong and no signal waits, then the check exits 1 with SMTP_VERIFY_FAILED and says what a person must do', async () => {
    const s = await createSchool({ schedule: LATE });
    const run = await check(s, { HWC_SMTP_PASSWORD: 'not-the-smtp-password' });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain('"code":"SMTP_VERIFY_FAILED"');
    expect(run.stdout).toContain('look at the HwC mailbox by hand');
    expect(run.stdout).toContain('check smtp.auth');
    expect(run.stdout).not.toContain('not-the-smtp-password');
  }, 60_000);

  it('when the SMTP password is right, then the check passes and the sign-in is verified once that day, not at every check', async () => {
    const s = await createSchool({ schedule: LATE });
    const first = await check(s);
    const second = await check(s);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(first.stdout).toContain('SMTP sign-in verified for today');
    expect(second.stdout).not.toContain('smtp-verify');
    const db = new Database(join(s.install.storage, DATABASE_FILE), { readonly: true });
    try {
      const row = db.prepare("SELECT value FROM meta WHERE name = 'smtp_verified_on'").get() as
        { value: string } | undefined;
      expect(row?.value).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    } finally {
      db.close();
    }
  }, 60_000);
});
