import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
    expect(value('RestrictAddressFamilies')).toEqual(['AF_INET AF_INET6']);
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
