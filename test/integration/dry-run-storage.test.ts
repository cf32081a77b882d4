import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../src/adapters/sqlite-store.js';
import { canaryForms, scanForCanaries } from '../support/canary.js';
import { runHwc, type HwcRun } from '../support/hwc.js';
import { deliver, waitForMessages } from '../support/mailstack.js';
import { CANARY, createSchool, signalMail, type School } from '../support/school.js';
import { firstSchemaDatabase, storageSnapshot } from '../support/storage-files.js';

const isRoot = process.getuid?.() === 0;
const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const LATE = { checks: ['00:00', '23:58'], days: EVERY_DAY, deadline: '23:59' };

async function schoolWithSignal(id: string): Promise<School> {
  const s = await createSchool({ notify: 'both', schedule: LATE });
  await deliver(signalMail(s.vt.address, s.hwc.address, { id }), { from: s.vt.address, to: [s.hwc.address] });
  await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
  return s;
}

const dryRun = (s: School): Promise<HwcRun> =>
  runHwc(['check', '--config', s.install.configFile, '--dry-run'], { env: s.install.env });

function expectPlanned(s: School, run: HwcRun): void {
  expect(run.code, run.stdout + run.stderr).toBe(0);
  expect(run.stdout).toContain('DRY RUN: nothing was sent');
  expect(run.stdout).toContain('signals: 1');
  expect(run.stderr).not.toContain('SqliteError');
  const { hits } = scanForCanaries(canaryForms([CANARY.name], [CANARY.isoDate]), [s.install.storage], {
    stdout: run.stdout,
    stderr: run.stderr,
  });
  expect(hits).toEqual([]);
}

describe('hwc check --dry-run on a storage where no check has run', () => {
  it('when the database file is empty, as a lock leaves it, then the dry run plans the signal and changes no byte of the storage', async () => {
    const s = await schoolWithSignal('dry-empty@veiligthuis.test');
    mkdirSync(s.install.storage, { recursive: true, mode: 0o700 });
    writeFileSync(join(s.install.storage, DATABASE_FILE), '', { mode: 0o600 });
    const before = storageSnapshot(s.install.storage);
    expectPlanned(s, await dryRun(s));
    expect(storageSnapshot(s.install.storage)).toEqual(before);
  }, 60_000);

  it('when the database has the schema of the first release, then the dry run plans the signal and migrates nothing on disk', async () => {
    const s = await schoolWithSignal('dry-old@veiligthuis.test');
    mkdirSync(s.install.storage, { recursive: true, mode: 0o700 });
    firstSchemaDatabase(s.install.storage);
    const before = storageSnapshot(s.install.storage);
    expectPlanned(s, await dryRun(s));
    expect(storageSnapshot(s.install.storage)).toEqual(before);
  }, 60_000);

  // A read-only file system (mounting it needs root): the dry run still reads what it needs.
  it.skipIf(!isRoot)(
    'when the storage is on a read-only file system, then the dry run plans the signal, and a real check says the state cannot be written',
    async () => {
      const s = await createSchool({ notify: 'both', schedule: LATE });
      mkdirSync(s.install.storage, { recursive: true, mode: 0o700 });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', s.install.storage]);
      try {
        const first = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
        expect(first.code, first.stdout + first.stderr).toBe(0);
        await deliver(signalMail(s.vt.address, s.hwc.address, { id: 'dry-ro@veiligthuis.test' }), {
          from: s.vt.address,
          to: [s.hwc.address],
        });
        await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
        execFileSync('mount', ['-o', 'remount,ro', s.install.storage]);
        const before = storageSnapshot(s.install.storage);
        expectPlanned(s, await dryRun(s));
        expect(storageSnapshot(s.install.storage)).toEqual(before);
        const real = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
        expect(real.code, real.stdout + real.stderr).toBe(1);
        expect(real.stdout + real.stderr).not.toContain('SqliteError');
      } finally {
        execFileSync('umount', [s.install.storage]);
      }
    },
    90_000,
  );

  it('when the storage directory is missing, then the dry run plans the signal and creates nothing', async () => {
    const s = await schoolWithSignal('dry-missing@veiligthuis.test');
    rmSync(s.install.storage, { recursive: true, force: true });
    expectPlanned(s, await dryRun(s));
    expect(existsSync(s.install.storage)).toBe(false);
  }, 60_000);

  it('when the database file is no database, then the dry run exits 1 with a plain English error that names the fix', async () => {
    const s = await schoolWithSignal('dry-notadb@veiligthuis.test');
    mkdirSync(s.install.storage, { recursive: true, mode: 0o700 });
    writeFileSync(join(s.install.storage, DATABASE_FILE), 'x'.repeat(4096), { mode: 0o600 });
    const run = await dryRun(s);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot use the storage directory ${s.install.storage} (SQLITE_NOTADB)`);
    expect(run.stderr).toContain('is not an hwc state database');
  }, 60_000);
});
