import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';

export const REPO = resolve(import.meta.dirname, '../..');
/** The `hwc` bin (package.json), as installed. */
export const CLI = join(REPO, 'dist/hwc.cjs');

export interface HwcRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface HwcOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** A command to run `node` under, e.g. `inNetns(namespace)` to run it on another (namespaced) host. */
  prefix?: string[];
  /** Written to standard input, which is then closed; without it standard input is /dev/null. */
  input?: string;
}

export interface SpawnedHwc {
  child: ChildProcess;
  /** Everything the process wrote so far. */
  output(): { stdout: string; stderr: string };
  /** Settles once the process has exited, with its exit code and all output. */
  exited: Promise<HwcRun>;
}

/** Starts the built `hwc` as a child process and collects its output: the one way tests start it. */
export function spawnHwc(args: string[], options: HwcOptions = {}): SpawnedHwc {
  const [command = process.execPath, ...commandArgs] = [...(options.prefix ?? []), process.execPath];
  const child = spawn(command, [...commandArgs, CLI, ...args], {
    cwd: options.cwd ?? REPO,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  // A command may exit before it reads its input (a refused option): EPIPE then is no failure.
  child.stdin?.on('error', () => undefined);
  if (options.input !== undefined) child.stdin?.end(options.input);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<HwcRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, output: () => ({ stdout, stderr }), exited };
}

/** Runs the built `hwc` command to its end, the way systemd or an admin would; killed after `timeoutMs`. */
export async function runHwc(
  args: string[],
  options: HwcOptions & { timeoutMs?: number } = {},
): Promise<HwcRun> {
  const { child, exited } = spawnHwc(args, options);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

export interface TestInstall {
  dir: string;
  configFile: string;
  storage: string;
  tmp: string;
  /** hwc's caches (XDG_CACHE_HOME: compiled code, time zone spans, config parses), inside `tmp`. */
  cache: string;
  env: Record<string, string>;
}

/**
 * A fresh install in a temp dir: config file, storage dir and a private TMPDIR that the canary
 * scan can search afterwards, with hwc's caches inside it, so that every scan of `tmp` covers
 * them too. Passwords come from the environment, as in production.
 */
export function makeInstall(
  config: Record<string, unknown>,
  secrets: { imap: string; smtp: string },
): TestInstall {
  const dir = mkdtempSync(join(tmpdir(), 'hwc-it-'));
  const storage = join(dir, 'state');
  const tmp = join(dir, 'tmp');
  const cache = join(tmp, 'cache');
  mkdirSync(tmp);
  const configFile = join(dir, 'hwc.yaml');
  writeFileSync(configFile, stringify({ ...config, storage }));
  return {
    dir,
    configFile,
    storage,
    tmp,
    cache,
    env: {
      HWC_IMAP_PASSWORD: secrets.imap,
      HWC_SMTP_PASSWORD: secrets.smtp,
      TMPDIR: tmp,
      XDG_CACHE_HOME: cache,
      TZ: 'UTC',
    },
  };
}
