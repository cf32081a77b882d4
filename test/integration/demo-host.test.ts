/**
 * The demo is for a throwaway machine, but it must not change that machine for good: after it, no
 * system-wide Dovecot, Postfix, OpenDKIM or OpenDMARC is enabled or running, and
 * /usr/sbin/policy-rc.d is as it was. Needs root (it disables services) and systemctl, which
 * enables and disables units also when systemd is not PID 1; skipped otherwise.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/hwc.js';
import { run } from '../support/system-install.js';

const SERVICES = ['dovecot', 'postfix', 'opendkim', 'opendmarc'];
const UNITS = [
  'dovecot.service',
  'dovecot.socket',
  'postfix.service',
  'opendkim.service',
  'opendmarc.service',
];
const POLICY = '/usr/sbin/policy-rc.d';
const POSTFIX_PID = '/var/spool/postfix/pid/master.pid';

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: the demo disables system-wide services only as root';
  if (spawnSync('sh', ['-c', 'command -v systemctl']).status !== 0) return 'no systemctl on this machine';
  if (!existsSync('/lib/systemd/system/postfix.service'))
    return 'Postfix is not installed (run scripts/install-system-deps)';
  return undefined;
}
const skip = unavailable();
if (skip) console.log(`demo host tests skipped: ${skip}`);

function policy(): string | null {
  return existsSync(POLICY) ? readFileSync(POLICY, 'utf8') : null;
}

/** Units and SysV start links that would start a system-wide mail service at boot. */
function enabledAtBoot(): string[] {
  const units = UNITS.filter((unit) => run('systemctl', ['is-enabled', '--quiet', unit]).code === 0);
  const links = ['2', '3', '4', '5'].flatMap((level) =>
    SERVICES.filter((s) => run('sh', ['-c', `ls /etc/rc${level}.d/S??${s}`]).code === 0).map(
      (s) => `rc${level}.d/${s}`,
    ),
  );
  return [...units, ...links];
}

function installDeps(): { code: number | null; stdout: string; stderr: string } {
  return run('bash', [join(REPO, 'scripts/install-system-deps'), '--mail'], { timeoutMs: 600_000 });
}

describe.skipIf(skip !== undefined)('the demo leaving the host as it was', () => {
  it(
    'when the demo has run where the mail packages enabled their services, then no system-wide mail service is enabled or running and policy-rc.d is as it was',
    { timeout: 10 * 60_000 },
    () => {
      // As Debian's maintainer scripts leave them after an install: every service enabled.
      expect(
        run('systemctl', ['enable', '--quiet', 'postfix.service', 'opendkim.service', 'dovecot.socket']).code,
      ).toBe(0);
      const before = policy();
      const demo = run('bash', [join(REPO, 'scripts/demo')], { cwd: REPO, timeoutMs: 9 * 60_000 });
      expect(demo.code, demo.stderr.slice(-2000)).toBe(0);
      expect(demo.stdout).toContain('=== Done.');
      expect(enabledAtBoot()).toEqual([]);
      for (const unit of UNITS) expect(run('systemctl', ['is-active', '--quiet', unit]).code).not.toBe(0);
      expect(existsSync(POSTFIX_PID) ? readFileSync(POSTFIX_PID, 'utf8').trim() : '').toBe('');
      expect(policy()).toBe(before);
    },
  );

  it('when a system-wide mail service was enabled before, then install-system-deps disables it again', () => {
    expect(run('systemctl', ['enable', '--quiet', 'postfix.service', 'dovecot.socket']).code).toBe(0);
    expect(enabledAtBoot()).toEqual(expect.arrayContaining(['dovecot.socket', 'postfix.service']));
    const deps = installDeps();
    expect(deps.code, deps.stderr).toBe(0);
    expect(enabledAtBoot()).toEqual([]);
  });

  it.skipIf(existsSync(POSTFIX_PID) || existsSync('/run/systemd/system'))(
    'when the system-wide Postfix runs, then install-system-deps refuses and names it, and changes nothing',
    async () => {
      // Postfix's master writes its pid here; a live process with that pid is how the script sees
      // a mail server that this machine serves (systemd, where it runs, is asked instead).
      const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
      mkdirSync('/var/spool/postfix/pid', { recursive: true });
      writeFileSync(POSTFIX_PID, `${String(holder.pid).padStart(11)}\n`);
      try {
        const before = enabledAtBoot();
        const deps = installDeps();
        expect(deps.code).toBe(1);
        expect(deps.stderr).toContain('the system-wide postfix is running on this machine');
        expect(deps.stderr).toContain('throwaway machine');
        expect(enabledAtBoot()).toEqual(before);
      } finally {
        rmSync(POSTFIX_PID, { force: true });
        holder.kill();
      }
    },
  );
});
