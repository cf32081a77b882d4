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
});
