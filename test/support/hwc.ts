import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';

export const REPO = resolve(import.meta.dirname, '../..');
export const CLI = join(REPO, 'dist/cli.js');

export interface HwcRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `hwc` command as a child process, the way systemd or an admin would; under
 * `prefix` if given, e.g. `inNetns(namespace)` to run it on another (namespaced) host.
 */
export function runHwc(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number; prefix?: string[] } = {},
): Promise<HwcRun> {
  const [command = process.execPath, ...commandArgs] = [...(options.prefix ?? []), process.execPath];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, [...commandArgs, CLI, ...args], {
      cwd: options.cwd ?? REPO,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

export interface TestInstall {
  dir: string;
  configFile: string;
  storage: string;
  tmp: string;
  env: Record<string, string>;
}

/**
 * A fresh install in a temp dir: config file, storage dir and a private TMPDIR that the canary
 * scan can search afterwards. Passwords come from the environment, as in production.
 */
export function makeInstall(
  config: Record<string, unknown>,
  secrets: { imap: string; smtp: string },
): TestInstall {
  const dir = mkdtempSync(join(tmpdir(), 'hwc-it-'));
  const storage = join(dir, 'state');
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  const configFile = join(dir, 'hwc.yaml');
  writeFileSync(configFile, stringify({ ...config, storage }));
  return {
    dir,
    configFile,
    storage,
    tmp,
    env: { HWC_IMAP_PASSWORD: secrets.imap, HWC_SMTP_PASSWORD: secrets.smtp, TMPDIR: tmp, TZ: 'UTC' },
  };
}
