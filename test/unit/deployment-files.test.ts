import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');
const UNIT = join(REPO, 'systemd/hwc-watcher.service');

/** `Key=value` lines of a systemd unit, repeated keys kept in order. */
function unitDirectives(text: string): [string, string][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#') && !line.startsWith('['))
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)] as [string, string];
    });
}

interface DockerInstruction {
  stage: number;
  op: string;
  args: string;
}

/** A small Dockerfile parser: instructions with line continuations joined, numbered by stage. */
function dockerInstructions(text: string): DockerInstruction[] {
  const out: DockerInstruction[] = [];
  let stage = -1;
  const joined = text.replace(/\\\r?\n/g, ' ');
  for (const raw of joined.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [op = '', ...rest] = line.split(/\s+/);
    if (op.toUpperCase() === 'FROM') stage += 1;
    out.push({ stage, op: op.toUpperCase(), args: rest.join(' ') });
  }
  return out;
}

describe('the systemd unit', () => {
  const directives = unitDirectives(readFileSync(UNIT, 'utf8'));
  const value = (key: string): string[] => directives.filter(([k]) => k === key).map(([, v]) => v);

  it('when it is read, then it runs unprivileged with credentials, a state directory, strict protection and only IP sockets', () => {
    expect(value('DynamicUser')).toEqual(['yes']);
    expect(value('LoadCredential').length).toBeGreaterThanOrEqual(2);
    expect(value('StateDirectory')).toEqual(['hwc-watcher']);
    expect(value('ProtectSystem')).toEqual(['strict']);
    // AF_UNIX for systemd-notify's datagram to NOTIFY_SOCKET only; mail goes over IP.
    expect(value('RestrictAddressFamilies')).toEqual(['AF_UNIX AF_INET AF_INET6']);
    expect(value('OnFailure')[0]).toMatch(/^hwc-watcher-failed@/);
    expect(existsSync(join(REPO, 'systemd/hwc-watcher-failed@.service'))).toBe(true);
    expect(value('Environment').join(' ')).not.toMatch(/PASS|SECRET|TOKEN/i);
  });

  it('when systemd-analyze is present, then the unit scores OK or better', () => {
    let output: string;
    try {
      output = execFileSync('systemd-analyze', ['security', '--offline=yes', UNIT], { encoding: 'utf8' });
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stdout?: string };
      if (e.code === 'ENOENT') {
        console.log('systemd-analyze is not installed: the exposure score was not measured');
        return;
      }
      output = e.stdout ?? '';
    }
    const match = /Overall exposure level for \S+: ([\d.]+) (\w+)/.exec(output);
    console.log(`systemd-analyze security: ${match?.[1]} ${match?.[2]}`);
    expect(match).not.toBeNull();
    expect(['SAFE', 'OK']).toContain(match?.[2]);
  });
});

const UNITS = ['hwc-watcher.service', 'hwc-watcher@.service', 'hwc-watcher-schools.service'];

/** systemd-analyze, or undefined (with a line saying so) where it is not installed. */
function analyze(args: string[]): { stdout: string; stderr: string; code: number } | undefined {
  try {
    const stdout = execFileSync('systemd-analyze', args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SYSTEMD_LOG_LEVEL: 'notice' },
    });
    return { stdout, stderr: '', code: 0 };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string; status?: number };
    if (e.code === 'ENOENT') {
      console.log('systemd-analyze is not installed: the units were not verified');
      return undefined;
    }
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: e.status ?? 1 };
  }
}

describe('the systemd units for one school, one school per instance, and a config directory', () => {
  // verify needs instance names for the template, and the failure handler's instance beside it.
  const dir = mkdtempSync(join(tmpdir(), 'hwc-units-'));
  for (const name of [...UNITS, 'hwc-watcher-failed@.service'])
    copyFileSync(join(REPO, 'systemd', name), join(dir, name));
  symlinkSync('hwc-watcher@.service', join(dir, 'hwc-watcher@de-linde.service'));
  symlinkSync('hwc-watcher-failed@.service', join(dir, 'hwc-watcher-failed@hwc-watcher.service.service'));
  const instances = ['hwc-watcher.service', 'hwc-watcher@de-linde.service', 'hwc-watcher-schools.service'];

  it.each(UNITS)(
    'when %s is read, then it is Type=notify with a watchdog, restarts, and ends failed with OnFailure=',
    (name) => {
      const directives = unitDirectives(readFileSync(join(REPO, 'systemd', name), 'utf8'));
      const value = (key: string): string[] => directives.filter(([k]) => k === key).map(([, v]) => v);
      expect(value('Type')).toEqual(['notify']);
      expect(value('NotifyAccess')).toEqual(['all']);
      expect(value('WatchdogSec')).toHaveLength(1);
      expect(value('Restart')).toEqual(['on-failure']);
      // A restart limit, and no exit status exempt from it: exit 1 (gave up) must count towards it.
      expect(Number(value('StartLimitBurst')[0])).toBeGreaterThan(0);
      expect(value('StartLimitIntervalSec')).toHaveLength(1);
      expect(value('RestartPreventExitStatus')).toEqual([]);
      expect(value('SuccessExitStatus')).toEqual([]);
      expect(value('OnFailure')[0]).toMatch(/^hwc-watcher-failed@%n\.service$/);
      expect(value('DynamicUser')).toEqual(['yes']);
      expect(value('RestrictAddressFamilies')).toEqual(['AF_UNIX AF_INET AF_INET6']);
    },
  );

  it('when each unit names its config, then the single one keeps its path, the template takes the instance and the directory unit a directory', () => {
    const exec = (name: string) =>
      unitDirectives(readFileSync(join(REPO, 'systemd', name), 'utf8')).find(([k]) => k === 'ExecStart')?.[1];
    expect(exec('hwc-watcher.service')).toBe('/usr/bin/env hwc run --config /etc/hwc-watcher/hwc.yaml');
    expect(exec('hwc-watcher@.service')).toBe('/usr/bin/env hwc run --config /etc/hwc-watcher/%i.yaml');
    expect(exec('hwc-watcher-schools.service')).toBe(
      '/usr/bin/env hwc run --config-dir /etc/hwc-watcher/schools',
    );
  });

  it.each(instances)('when systemd-analyze verifies %s, then it reports nothing', (name) => {
    const result = analyze(['verify', '--man=no', join(dir, name)]);
    if (!result) return;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it.each(instances)('when systemd-analyze rates %s offline, then it scores OK or better', (name) => {
    const result = analyze(['security', '--offline=yes', join(dir, name)]);
    if (!result) return;
    const match = /Overall exposure level for \S+: ([\d.]+) (\w+)/.exec(result.stdout);
    expect(match).not.toBeNull();
    expect(['SAFE', 'OK']).toContain(match?.[2]);
  });
});

describe('the Dockerfile', () => {
  const instructions = dockerInstructions(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
  const last = Math.max(...instructions.map((i) => i.stage));
  const final = instructions.filter((i) => i.stage === last);

  it('when it is read, then it is multi-stage with pinned base images', () => {
    const bases = instructions.filter((i) => i.op === 'FROM').map((i) => i.args.split(/\s+/)[0] ?? '');
    expect(bases.length).toBeGreaterThanOrEqual(2);
    for (const base of bases) {
      expect(base).toMatch(/:(\d+(\.\d+)+)[\w.-]*(@sha256:[0-9a-f]{64})?$|@sha256:[0-9a-f]{64}$/);
      expect(base).not.toMatch(/:latest$/);
    }
  });

  it('when the final image runs, then it is not root, holds no secret in ENV, has no build tools, a volume and a health check', () => {
    const user = final.filter((i) => i.op === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    for (const env of final.filter((i) => i.op === 'ENV' || i.op === 'ARG')) {
      expect(env.args).not.toMatch(/PASS|SECRET|TOKEN|KEY/i);
    }
    for (const run of final.filter((i) => i.op === 'RUN')) {
      expect(run.args).not.toMatch(/\b(g\+\+|gcc|make|python3|build-essential)\b/);
    }
    expect(final.some((i) => i.op === 'VOLUME')).toBe(true);
    expect(final.some((i) => i.op === 'HEALTHCHECK')).toBe(true);
  });

  it('when the image is built, then it holds the release tarball installed as the README says, and nothing of the build', () => {
    const build = instructions.filter((i) => i.stage === 0);
    const buildRuns = build
      .filter((i) => i.op === 'RUN')
      .map((i) => i.args)
      .join(' ');
    expect(buildRuns).toMatch(/\bnpm pack\b/);
    expect(buildRuns).toMatch(/\bnpm install -g\b.*hwc-watcher-\*\.tgz/);
    const copies = final.filter((i) => i.op === 'COPY').map((i) => i.args);
    expect(copies).toEqual([
      '--from=build /usr/local/lib/node_modules/hwc-watcher /usr/local/lib/node_modules/hwc-watcher',
    ]);
    expect(final.find((i) => i.op === 'ENTRYPOINT')?.args).toBe('["hwc"]');
    expect(final.find((i) => i.op === 'HEALTHCHECK')?.args).toContain('"hwc", "audit", "verify"');
  });

  it("when its Node.js base images are read, then each is a version that package.json's engines allows", () => {
    const engines = (
      JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    const allowed = engines.split('||').map((range) => {
      const match = /\^(\d+)\.(\d+)\.\d+/.exec(range.trim());
      return { major: Number(match?.[1]), minor: Number(match?.[2]) };
    });
    const bases = instructions.filter((i) => i.op === 'FROM').map((i) => i.args.split(/\s+/)[0] ?? '');
    for (const base of bases) {
      const match = /^node:(\d+)\.(\d+)/.exec(base);
      expect(match, base).not.toBeNull();
      const [major, minor] = [Number(match?.[1]), Number(match?.[2])];
      expect(
        allowed.some((a) => a.major === major && minor >= a.minor),
        base,
      ).toBe(true);
    }
  });
});

describe('the release tarball and its papers', () => {
  it('when it is packed, then it holds the example config, the units and the papers, and no sources, tests or source maps', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: REPO,
      encoding: 'utf8',
    });
    const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path) ?? [];
    for (const wanted of [
      'package.json',
      'config/hwc.example.yaml',
      'systemd/hwc-watcher.service',
      'LICENSE',
      'README.md',
      'CHANGELOG.md',
      'SECURITY.md',
    ]) {
      expect(files).toContain(wanted);
    }
    expect(files.filter((f) => /^(src|test|scripts|node_modules)\/|\.map$/.test(f))).toEqual([]);
  });

  it('when LICENSE is read, then it is the whole EUPL v1.2, as package.json declares', () => {
    const text = readFileSync(join(REPO, 'LICENSE'), 'utf8');
    expect(
      text.startsWith('EUROPEAN UNION PUBLIC LICENCE v. 1.2\nEUPL © the European Union 2007, 2016\n'),
    ).toBe(true);
    for (let article = 1; article <= 15; article += 1)
      expect(text).toMatch(new RegExp(`^${article}\\.\\S`, 'm'));
    expect(text).toContain('Appendix');
    expect(
      (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { license: string }).license,
    ).toBe('EUPL-1.2');
  });
});
