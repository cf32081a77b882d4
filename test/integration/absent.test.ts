import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commentedConfig, withBackupAbsent, withPrimaryAbsent } from '../support/absent-config.js';
import { runHwc } from '../support/hwc.js';

const ENV = { HWC_IMAP_PASSWORD: 'x', HWC_SMTP_PASSWORD: 'y', TZ: 'UTC' };
/** A narrow umask: a new file made with a mode option would come out 0600, not the target's 0640. */
const UMASK_077 = ['sh', '-c', 'umask 077 && exec "$@"', 'sh'];

/** /etc/hwc-watcher/hwc.yaml as a link (relative, as `ln -s` makes them) into a versioned directory. */
function linkedInstall() {
  const dir = mkdtempSync(join(tmpdir(), 'hwc-absent-'));
  mkdirSync(join(dir, 'releases'));
  const target = join(dir, 'releases', 'hwc.yaml');
  const original = commentedConfig(join(dir, 'state'));
  writeFileSync(target, original);
  chmodSync(target, 0o640);
  const link = join(dir, 'hwc.yaml');
  symlinkSync('releases/hwc.yaml', link);
  return { dir, target, link, original };
}

function absent(config: string, args: string[]) {
  return runHwc(['absent', '--config', config, ...args], { env: ENV, prefix: UMASK_077 });
}

describe('hwc absent', () => {
  it('when the config is a symbolic link, then the file it points to gets the absence, the link stays a link, and the mode and every comment are kept', async () => {
    const install = linkedInstall();
    const run = await absent(install.link, ['--from', '2027-01-11', '--to', '2027-01-15']);
    expect(run.code, run.stderr).toBe(0);
    expect(lstatSync(install.link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(install.link)).toBe('releases/hwc.yaml');
    expect(readFileSync(install.target, 'utf8')).toBe(
      withPrimaryAbsent(install.original, '2027-01-11..2027-01-15'),
    );
    expect(lstatSync(install.target).mode & 0o7777).toBe(0o640);
    // No temporary file is left next to the target or the link.
    expect(readdirSync(join(install.dir, 'releases'))).toEqual(['hwc.yaml']);
    expect(readdirSync(install.dir).sort()).toEqual(['hwc.yaml', 'releases']);
  });

  it('when the contact has no absent key yet, then the key is added under it and every comment stays exactly in place', async () => {
    const install = linkedInstall();
    const run = await absent(install.link, ['--from', '2027-02-01', '--contact', 'backup']);
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(install.target, 'utf8')).toBe(withBackupAbsent(install.original, '2027-02-01'));
    expect(lstatSync(install.link).isSymbolicLink()).toBe(true);
    const again = await absent(install.link, ['--from', '2027-02-01', '--contact', 'backup']);
    expect(again.stdout).toContain('already recorded: backup absent 2027-02-01');
    expect(readFileSync(install.target, 'utf8')).toBe(withBackupAbsent(install.original, '2027-02-01'));
  });
});
