import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import type { Io } from '../../src/commands/io.js';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import { offlineInstall } from '../support/audit-install.js';
import { seedSchoolYear } from '../support/audit-seed.js';
import type { TestInstall } from '../support/hwc.js';

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function hwc(install: TestInstall, args: string[], input = ''): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    env: install.env,
    cwd: install.dir,
    stdin: Readable.from([input]),
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    signals: { once: () => undefined },
  };
  const code = await main([...args, '--config', install.configFile], io);
  return { code, stdout, stderr };
}

function seededInstall(): TestInstall {
  const install = offlineInstall();
  const store = SqliteStore.open(install.storage);
  // One transaction: a year of rows, each its own commit and fsync, would take seconds.
  store.transaction(() => seedSchoolYear((entry) => store.append(entry)));
  store.close();
  return install;
}

describe('hwc audit', () => {
  it('when --from and --to are given, then only rows of those local dates are shown, and the chain is checked whole', async () => {
    const install = seededInstall();
    const run = await hwc(install, [
      'audit',
      '--format',
      'json',
      '--from',
      '2025-09-01',
      '--to',
      '2025-09-30',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const log = JSON.parse(run.stdout) as {
      chain: { intact: boolean; rows: number };
      period: { from: string; to: string; timezone: string };
      rows: { at: string }[];
    };
    expect(log.period).toEqual({ from: '2025-09-01', to: '2025-09-30', timezone: 'Europe/Amsterdam' });
    expect(log.rows.length).toBeGreaterThan(40);
    expect(log.chain.rows).toBeGreaterThan(log.rows.length);
    const localDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' });
    for (const row of log.rows) {
      const local = localDay.format(new Date(row.at));
      expect(local >= '2025-09-01' && local <= '2025-09-30', row.at).toBe(true);
    }
  });

  it('when a row falls on the first local day just after midnight, then the timezone decides, not UTC', async () => {
    const install = offlineInstall();
    const store = SqliteStore.open(install.storage);
    // 23:30 UTC on 31 August is 01:30 on 1 September in Amsterdam.
    store.append({ at: '2025-08-31T23:30:00.000Z', type: 'check', data: { outcome: 'ok' } });
    store.close();
    const september = await hwc(install, ['audit', '--format', 'json', '--from', '2025-09-01']);
    const august = await hwc(install, ['audit', '--format', 'json', '--to', '2025-08-31']);
    expect((JSON.parse(september.stdout) as { rows: unknown[] }).rows).toHaveLength(1);
    expect((JSON.parse(august.stdout) as { rows: unknown[] }).rows).toHaveLength(0);
  });

  it('when --out is given, then the file is written with mode 0644 and only one line goes to stderr', async () => {
    const install = seededInstall();
    const out = join(install.dir, 'rapport.html');
    const run = await hwc(install, ['audit', '--format', 'html', '--out', out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(out);
    expect(statSync(out).mode & 0o777).toBe(0o644);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('Het logboek is intact.');
    expect(html).toContain('Basisschool De Proeftuin');
  });

  it('when --out names an existing file with another mode, then it is replaced and made 0644', async () => {
    const install = seededInstall();
    const out = join(install.dir, 'log.txt');
    writeFileSync(out, 'old', { mode: 0o600 });
    const run = await hwc(install, ['audit', '--format', 'text', '--out', out, '--from', '2026-07-01']);
    expect(run.code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o644);
    expect(readFileSync(out, 'utf8')).toContain('period: 2026-07-01 to end (Europe/Amsterdam)');
  });

  it('when a flag is wrong, then the exit code is 64 and nothing is written', async () => {
    const install = seededInstall();
    for (const args of [
      ['audit', '--format', 'pdf'],
      ['audit', '--from', '1-9-2025'],
      ['audit', '--to', '2025-02-30'],
      ['audit', '--from', '2026-01-02', '--to', '2026-01-01'],
      ['audit', 'verify', '--expect-head', 'abc'],
      ['audit', 'shred'],
    ]) {
      const run = await hwc(install, args);
      expect(run.code, args.join(' ')).toBe(64);
      expect(run.stdout).toBe('');
    }
  });
});

describe('hwc audit verify and prune', () => {
  it('when the log was pruned, then verify reports the pruned rows and still accepts the old head', async () => {
    const install = seededInstall();
    const before = await hwc(install, ['audit', 'verify']);
    const head = /head ([0-9a-f]{64})/.exec(before.stdout)?.[1] ?? '';
    expect(before.code).toBe(0);
    // audit.keep 2y from today (November 2026) reaches back into November 2024: nothing to prune.
    const nothing = await hwc(install, ['audit', 'prune']);
    expect(nothing.stdout).toContain('nothing was pruned');

    const short = offlineInstall({ audit: { keep: '200d' } });
    writeFileSync(
      short.configFile,
      readFileSync(short.configFile, 'utf8').replace(short.storage, install.storage),
    );
    const pruned = await hwc(short, ['audit', 'prune']);
    expect(pruned.code, pruned.stdout).toBe(0);
    expect(pruned.stdout).toMatch(/removed \d+ rows \(1-\d+\) older than/);
    const after = await hwc(install, ['audit', 'verify', '--expect-head', head]);
    expect(after.code, after.stdout).toBe(0);
    expect(after.stdout).toMatch(/rows 1-\d+ were pruned by a prune row/);
  });

  it('when there is no database yet, then prune says so and creates nothing', async () => {
    const install = offlineInstall();
    const run = await hwc(install, ['audit', 'prune']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('no audit log yet');
    expect(existsSync(install.storage)).toBe(false);
  });
});

describe('hwc privacy-check', () => {
  const NAME = 'Ysolde Brinkhorst-Vlaskamp';

  it('when nothing is stored, then it lists the files and forms, says nothing was found, and never prints the name', async () => {
    const install = seededInstall();
    const run = await hwc(install, ['privacy-check'], `${NAME}\n2015-04-29\n`);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/hwc-watcher\.sqlite {2}\d+ bytes/);
    expect(run.stdout).toMatch(/1 name, 1 date, \d+ forms/);
    expect(run.stdout).toContain('result: nothing found');
    expect(run.stdout + run.stderr).not.toMatch(/Ysolde|Brinkhorst|2015-04-29|29-4-2015/i);
  });

  it('when a name is in a file under the storage dir, then it exits 1 and names the file, not the match', async () => {
    const install = seededInstall();
    const leak = join(install.storage, 'leak.log');
    writeFileSync(leak, Buffer.from(`x${NAME.toUpperCase()}y`).toString('base64'));
    const run = await hwc(install, ['privacy-check'], `${NAME}\n`);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`FOUND: a searched name or date occurs in ${leak}`);
    expect(run.stdout + run.stderr).not.toMatch(/Ysolde|Brinkhorst/i);
  });

  it('when a Dutch date is given, then it is searched in its other notations too', async () => {
    const install = seededInstall();
    writeFileSync(join(install.storage, 'notes.txt'), 'geboren 2015-04-29');
    const run = await hwc(install, ['privacy-check'], '29-4-2015\n');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('notes.txt');
  });

  it('when no name or date is given, or one that cannot be searched, then the exit code is 64', async () => {
    const install = seededInstall();
    expect((await hwc(install, ['privacy-check'])).code).toBe(64);
    const short = await hwc(install, ['privacy-check'], 'Bo\n');
    expect(short.code).toBe(64);
    expect(short.stderr).not.toContain('Bo ');
    expect((await hwc(install, ['privacy-check'], '31-02-2015\n')).code).toBe(64);
  });

  it('when --name or --date is given, then it is refused with exit 64 and told how to give them on standard input', async () => {
    const install = seededInstall();
    for (const args of [
      ['--name', NAME],
      ['--date', '2015-04-29'],
    ]) {
      const run = await hwc(install, ['privacy-check', ...args]);
      expect(run.code).toBe(64);
      expect(run.stderr).toContain('--name and --date are no longer accepted');
      expect(run.stderr).toContain(
        'printf \'%s\\n\' "$NAME" "$BIRTH_DATE" | hwc privacy-check --config FILE',
      );
      expect(run.stdout + run.stderr).not.toMatch(/Ysolde|Brinkhorst|2015-04-29/i);
    }
  });

  it('when an empty line comes, then the input ends there and the lines after it are not read', async () => {
    const install = seededInstall();
    const run = await hwc(install, ['privacy-check'], `${NAME}\n\n2015-04-29\n`);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/1 name, 0 dates, \d+ forms/);
  });
});
