import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runHwc } from '../support/hwc.js';

const EXAMPLE = readFileSync(join(REPO, 'config/hwc.example.yaml'), 'utf8');
const EXAMPLE_ENV = { HWC_IMAP_PASSWORD: 'x' };

function exampleInstall(edit: (yaml: string) => string = (y) => y): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hwc-cli-'));
  writeFileSync(join(dir, 'smtp-password'), 'y\n');
  const config = join(dir, 'hwc.yaml');
  writeFileSync(
    config,
    edit(
      EXAMPLE.replace('/etc/hwc-watcher/smtp-password', 'smtp-password').replace(
        '/var/lib/hwc-watcher',
        'state',
      ),
    ),
  );
  return { dir, config };
}

describe('the hwc command line', () => {
  it('when asked for help, then it lists the commands and exit codes and exits 0', async () => {
    const run = await runHwc(['--help']);
    expect(run.code).toBe(0);
    for (const word of ['check', 'run', 'parse', 'audit', 'absent', '78']) expect(run.stdout).toContain(word);
  });

  it('when run as `npx hwc --help` from the checkout, then the package bin works', () => {
    const out = execFileSync('npx', ['hwc', '--help'], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
    expect(out).toContain('hwc check --config FILE');
  });

  it('when the command is unknown or missing, then it exits 64 with the usage', async () => {
    expect((await runHwc(['frobnicate'])).code).toBe(64);
    expect((await runHwc([])).code).toBe(64);
    expect((await runHwc(['check'])).code).toBe(64);
  });

  it('when a signal is parsed with --json, then it prints exactly the contract shape and writes nothing', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'hwc-parse-'));
    const run = await runHwc(['parse', join(REPO, 'test/fixtures/one-line.eml'), '--json'], {
      cwd,
      env: { TMPDIR: cwd },
    });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(Object.keys(result)).toEqual(['kind', 'children', 'needsReview', 'reasons']);
    expect(result).toMatchObject({
      kind: 'signal',
      children: [{ name: 'David Pieterse', birthDate: '2006-02-03' }],
      needsReview: false,
    });
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('when a newsletter is parsed, then it is not a signal', async () => {
    const run = await runHwc(['parse', join(REPO, 'test/fixtures/newsletter.eml'), '--json']);
    expect(JSON.parse(run.stdout)).toMatchObject({ kind: 'not-a-signal', children: [] });
  });

  it('when the file to parse cannot be read, then it exits 2', async () => {
    const run = await runHwc(['parse', '/nonexistent/signal.eml', '--json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('ENOENT');
  });

  it('when a password is written in the config in plain text, then the config is refused with the safer options named', async () => {
    const { config } = exampleInstall((y) =>
      y.replace('pass: { env: HWC_IMAP_PASSWORD }', 'pass: "geheim-wachtwoord"'),
    );
    const run = await runHwc(['check', '--config', config, '--dry-run'], { env: EXAMPLE_ENV });
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('imap.auth.pass');
    expect(run.stderr).toContain('env');
    expect(run.stderr + run.stdout).not.toContain('geheim-wachtwoord');
  });

  it('when the storage directory cannot be created, then check exits 1 and names the directory and the fix', async () => {
    const { dir, config } = exampleInstall();
    // A file where the storage directory should be: mkdir fails the same way for any user.
    writeFileSync(join(dir, 'state'), 'not a directory');
    const run = await runHwc(['check', '--config', config], { env: EXAMPLE_ENV });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot use the storage directory ${join(dir, 'state')}`);
    expect(run.stderr).toContain('check the storage key');
  });

  it('when hwc absent records a period, then the config keeps its comments and the period is valid', async () => {
    const { config } = exampleInstall();
    const run = await runHwc(['absent', '--config', config, '--from', '2027-01-11', '--to', '2027-01-15'], {
      env: EXAMPLE_ENV,
    });
    expect(run.code, run.stderr).toBe(0);
    const yaml = readFileSync(config, 'utf8');
    expect(yaml).toContain('2027-01-11..2027-01-15');
    expect(yaml).toContain("# The school's name");
    const again = await runHwc(['absent', '--config', config, '--from', '2027-01-11', '--to', '2027-01-15'], {
      env: EXAMPLE_ENV,
    });
    expect(again.stdout).toContain('already recorded');
  });

  it('when hwc absent gets an impossible date, then it changes nothing and exits 64', async () => {
    const { config } = exampleInstall();
    const before = readFileSync(config, 'utf8');
    const run = await runHwc(['absent', '--config', config, '--from', '2027-02-30'], { env: EXAMPLE_ENV });
    expect(run.code).toBe(64);
    expect(readFileSync(config, 'utf8')).toBe(before);
  });
});
