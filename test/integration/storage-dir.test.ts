import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATABASE_FILE, SqliteStore } from '../../src/adapters/sqlite-store.js';
import { offlineInstall } from '../support/audit-install.js';
import { runHwc, type TestInstall } from '../support/hwc.js';
import { createSchool } from '../support/school.js';

/** Runs node under `umask 000`, so that every mode the test sees was set by hwc itself. */
const UMASK_000 = ['sh', '-c', 'umask 000 && exec "$@"', 'sh'];
const mode = (path: string): number => lstatSync(path).mode & 0o7777;

function hwc(install: TestInstall, args: string[]) {
  return runHwc([...args, '--config', install.configFile], { env: install.env, prefix: UMASK_000 });
}

describe('the storage directory, for the commands that write to it', () => {
  it('when hwc check runs under umask 000 on a new install, then the directory is 0700 and every file in it 0600', async () => {
    const s = await createSchool();
    const run = await hwc(s.install, ['check']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(mode(s.install.storage)).toBe(0o700);
    const files = readdirSync(s.install.storage);
    expect(files).toContain(DATABASE_FILE);
    for (const file of files) expect(mode(join(s.install.storage, file)), file).toBe(0o600);
  });

  it.each([['check'], ['run']])(
    'when the directory is world-writable, then hwc %s refuses it, names the directory and the fix, and exits 1',
    async (command) => {
      const install = offlineInstall();
      mkdirSync(install.storage);
      chmodSync(install.storage, 0o777);
      const run = await hwc(install, [command]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `hwc: cannot use the storage directory ${install.storage} (STORAGE_WORLD_WRITABLE); ` +
          `${install.storage} is world-writable (mode 0777)`,
      );
      expect(run.stderr).toContain(`chmod 700 ${install.storage}`);
      expect(readdirSync(install.storage)).toEqual([]);
    },
  );

  it('when the database file is a symbolic link to another file, then hwc check refuses it and leaves the other file alone', async () => {
    const install = offlineInstall();
    mkdirSync(install.storage, { mode: 0o700 });
    const victim = join(install.dir, 'victim.txt');
    writeFileSync(victim, 'not a database', { mode: 0o644 });
    const link = join(install.storage, DATABASE_FILE);
    symlinkSync(victim, link);
    const run = await hwc(install, ['check']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`(STORAGE_SYMLINK); ${link} is a symbolic link, which hwc never follows`);
    expect(run.stderr).toContain(`rm ${link}`);
    expect(readFileSync(victim, 'utf8')).toBe('not a database');
    expect(mode(victim)).toBe(0o644);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });

  it('when the journal is a symbolic link, then hwc audit prune refuses to open the log and exits 1', async () => {
    const install = offlineInstall();
    SqliteStore.open(install.storage).close();
    const journal = join(install.storage, `${DATABASE_FILE}-journal`);
    symlinkSync(join(install.dir, 'elsewhere'), journal);
    const run = await hwc(install, ['audit', 'prune']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`(STORAGE_SYMLINK); ${journal} is a symbolic link`);
    expect(readdirSync(install.dir)).not.toContain('elsewhere');
  });

  it('when the storage directory itself is a symbolic link, then hwc run refuses it and says to name the real directory', async () => {
    const install = offlineInstall();
    const real = join(install.dir, 'real-state');
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, install.storage);
    const run = await hwc(install, ['run']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `(STORAGE_SYMLINK); ${install.storage} is a symbolic link, which hwc does not follow; set storage to the directory it points to`,
    );
    expect(readdirSync(real)).toEqual([]);
  });
});
