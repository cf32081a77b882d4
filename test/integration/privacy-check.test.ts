import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import { offlineInstall } from '../support/audit-install.js';
import { seedSchoolYear } from '../support/audit-seed.js';
import { CLI, runHwc, type HwcRun, type TestInstall } from '../support/hwc.js';
import { CANARY } from '../support/school.js';

const CANARY_TEXT = /Ysolde|Brinkhorst|Vlaskamp|2015-04-29|29-4-2015/i;

function seededInstall(): TestInstall {
  const install = offlineInstall();
  const store = SqliteStore.open(install.storage);
  store.transaction(() => seedSchoolYear((entry) => store.append(entry)));
  store.close();
  return install;
}

function privacyCheck(install: TestInstall, options: { input?: string; args?: string[] } = {}) {
  return runHwc(['privacy-check', ...(options.args ?? []), '--config', install.configFile], {
    env: install.env,
    ...(options.input === undefined ? {} : { input: options.input }),
  });
}

/**
 * Runs privacy-check on a pseudo-terminal (util-linux `script`), typing each line only once the
 * prompt is on the screen. `script` copies everything the terminal shows to its stdout: had the
 * terminal echoed the typing, the canary would be there.
 */
function onTerminal(install: TestInstall, lines: string[]): Promise<HwcRun> {
  const command = `${process.execPath} ${CLI} privacy-check --config ${install.configFile}`;
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    env: { ...install.env, PATH: process.env.PATH ?? '/usr/bin:/bin', SHELL: '/bin/sh', TERM: 'dumb' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let typed = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    if (!typed && stdout.includes('Ctrl-D. What you type is not shown.')) {
      typed = true;
      for (const line of lines) child.stdin.write(`${line}\r`);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('hwc privacy-check with the search terms on standard input', () => {
  it('when a canary was planted in the storage dir and the terms are piped in, then it exits 1, names the file and never prints the canary', async () => {
    const install = seededInstall();
    const leak = join(install.storage, 'leak.log');
    writeFileSync(leak, `... ${CANARY.dutchDate} ...`);
    const run = await privacyCheck(install, { input: `${CANARY.name}\n${CANARY.isoDate}\n` });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/for 1 name, 1 date, \d+ forms/);
    expect(run.stdout).toContain(`FOUND: a searched name or date occurs in ${leak}`);
    expect(run.stdout + run.stderr).not.toMatch(CANARY_TEXT);
  });

  it('when nothing was planted, then the piped terms are not found, it exits 0 and there is no prompt', async () => {
    const install = seededInstall();
    const run = await privacyCheck(install, { input: `${CANARY.name}\n${CANARY.isoDate}\n` });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('result: nothing found');
    expect(run.stderr).toBe('');
    expect(run.stdout + run.stderr).not.toMatch(CANARY_TEXT);
  });

  it('when --name or --date is on the command line, then it exits 64 and says how to give them now', async () => {
    const install = seededInstall();
    const run = await privacyCheck(install, { args: ['--name', CANARY.name, '--date', CANARY.isoDate] });
    expect(run.code).toBe(64);
    expect(run.stderr).toContain('--name and --date are no longer accepted');
    expect(run.stderr).toContain('| hwc privacy-check --config FILE');
    expect(run.stdout).not.toContain('result:');
    expect(run.stdout + run.stderr).not.toMatch(CANARY_TEXT);
  });

  it('when the terms are typed on a terminal, then the prompt is in Dutch and English and nothing typed is shown', async () => {
    const install = seededInstall();
    writeFileSync(join(install.storage, 'leak.log'), CANARY.name);
    const run = await onTerminal(install, [CANARY.name, CANARY.dutchDate, '']);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain('Typ per regel een naam of geboortedatum');
    expect(run.stdout).toContain('2 ontvangen / received');
    expect(run.stdout).toContain('FOUND: a searched name or date occurs in');
    expect(run.stdout + run.stderr).not.toMatch(CANARY_TEXT);
  });
});
