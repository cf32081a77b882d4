import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deliver, listMessages, mailstackEnv, waitForMessages } from '../support/mailstack.js';
import { canaryForms, scanForCanaries } from '../support/canary.js';
import { CLI, runHwc, type HwcRun, type TestInstall } from '../support/hwc.js';
import { CANARY, createSchool, signalMail } from '../support/school.js';

const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** `hwc check` on a pseudo-terminal (util-linux `script`): stdout is a TTY, as for a person. */
function checkOnTerminal(install: TestInstall): Promise<HwcRun> {
  const command = `${process.execPath} ${CLI} check --config ${install.configFile}`;
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    env: { ...install.env, PATH: process.env.PATH ?? '/usr/bin:/bin', SHELL: '/bin/sh', TERM: 'dumb' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

async function auditRows(install: TestInstall): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const run = await runHwc(['audit', '--config', install.configFile, '--format', 'json'], {
    env: install.env,
  });
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { rows: { type: string; data: Record<string, unknown> }[] }).rows;
}

describe('what hwc check leaves behind and prints', () => {
  it('when IMAP is down all morning, then each check leaves a failed row with its code, the dead-man alarm an alarm row, and the report counts the morning', async () => {
    const s = await createSchool({ schedule: { checks: ['00:00'], days: EVERY_DAY, deadline: '00:01' } });
    const env = mailstackEnv();
    writeFileSync(
      s.install.configFile,
      readFileSync(s.install.configFile, 'utf8').replace(`port: ${env.imapPort}`, 'port: 1'),
    );
    const first = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(first.code).toBe(1);
    const second = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(second.code).toBe(1);
    await waitForMessages(s.zorg, 'INBOX', 1, 10_000);
    const rows = await auditRows(s.install);
    const checks = rows.filter((row) => row.type === 'check');
    expect(checks).toHaveLength(2);
    for (const row of checks) {
      expect(row.data.outcome).toBe('failed');
      expect(row.data.provider).toBe('unknown');
      expect(String(row.data.error)).toMatch(/^[A-Z0-9_]+$/);
    }
    // One alarm a day: the second check finds it sent already.
    expect(rows.filter((row) => row.type === 'alarm').map((row) => row.data)).toEqual([
      { kind: 'dead-man', outcome: 'sent' },
    ]);
    // The last line of a piped check is its result as JSON.
    const result = JSON.parse(second.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(result).toMatchObject({ result: 'check', outcome: 'failed' });
    const html = await runHwc(['audit', '--config', s.install.configFile, '--format', 'html'], {
      env: s.install.env,
    });
    expect(html.stdout).toContain('2 mislukte controles');
    const verify = await runHwc(['audit', 'verify', '--config', s.install.configFile], {
      env: s.install.env,
    });
    expect(verify.code).toBe(0);
  }, 120_000);

  it('when a check runs on a terminal, then it prints a short Dutch summary naming the contact and the escalation time, and no child data', async () => {
    const s = await createSchool();
    await deliver(signalMail(s.vt.address, s.hwc.address, { id: 'tty-1@veiligthuis.test' }), {
      from: s.vt.address,
      to: [s.hwc.address],
    });
    await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
    const run = await checkOnTerminal(s.install);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(
      /1 signaal: Zorgcoördinator is gemaild om \d\d:\d\d; de achterwacht volgt om \d\d:\d\d als er geen bevestiging komt\./,
    );
    const found = scanForCanaries(canaryForms([CANARY.name], [CANARY.isoDate]), [s.install.storage], {
      terminal: run.stdout,
    });
    expect(found.hits).toEqual([]);
    expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(1);
  }, 120_000);

  it('when the check is piped with --json, then stdout is one JSON result and the log goes to stderr', async () => {
    const s = await createSchool();
    const run = await runHwc(['check', '--config', s.install.configFile, '--json'], { env: s.install.env });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ result: 'check', outcome: 'ok', open: [] });
    expect(run.stderr).toContain('"msg":"check finished"');
  }, 120_000);

  it('when a command is given an option it does not take, then it is refused with exit 64, and --help shows its own options', async () => {
    const s = await createSchool();
    const refused = await runHwc(['check', '--config', s.install.configFile, '--format', 'html'], {
      env: s.install.env,
    });
    expect(refused.code).toBe(64);
    expect(refused.stderr).toContain('--format is not an option of this command');
    const help = await runHwc(['audit', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--expect-head');
    expect(help.stdout).not.toContain('--dry-run');
  }, 60_000);
});
