import { execFileSync, spawnSync } from 'node:child_process';
import {
  chownSync,
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { REPO } from './hwc.js';
import type { School } from './school.js';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command as root to its end; its output, never thrown. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; timeoutMs?: number } = {},
): Run {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? '/',
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  return { code: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

/**
 * Why the install tests cannot run here, or undefined when they can: they install into the real
 * system (CI runs as root on a throwaway machine) and must never replace an install of someone else.
 */
export function systemInstallUnavailable(): string | undefined {
  if (process.getuid?.() !== 0)
    return 'not root: the tarball and the .deb are installed into the system only as root';
  const missing = ['dpkg', 'dpkg-deb', 'npm', 'runuser', 'unshare', 'mount'].filter((t) => !onPath(t));
  if (missing.length > 0) return `missing ${missing.join(', ')}`;
  if (existsSync('/usr/bin/hwc') || existsSync('/usr/local/bin/hwc')) {
    return 'an hwc is already installed on this machine: the install tests leave it alone';
  }
  if (run('dpkg-query', ['-W', '-f=${Status}', 'hwc-watcher']).stdout.includes('installed')) {
    return 'the hwc-watcher package is installed on this machine: the install tests leave it alone';
  }
  return undefined;
}

/**
 * The places an installed hwc must not need, as under the unit's `ProtectHome=yes` and a clone that
 * is not there: /root, /home, /run/user, the checkout and the node_modules it links to.
 */
function hiddenPaths(): string[] {
  const paths = ['/root', '/home', '/run/user', REPO];
  const modules = join(REPO, 'node_modules');
  if (existsSync(modules)) paths.push(realpathSync(modules));
  const dirs = [...new Set(paths)].filter((p) => existsSync(p) && statSync(p).isDirectory());
  // A path under another hidden one is hidden with it (a checkout in /root, say).
  return dirs.filter((p) => !dirs.some((other) => other !== p && p.startsWith(`${other}/`)));
}

/**
 * Runs a command as `nobody` (no home, no shell) in a mount namespace of its own where each of
 * `hiddenPaths()` is an empty tmpfs, with only PATH and `env` in its environment.
 */
export function asNobody(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Run {
  const mounts = hiddenPaths()
    .map((p) => `mount -t tmpfs -o mode=0700,size=1m tmpfs '${p}'`)
    .join(' && ');
  const vars = Object.entries({ PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/nonexistent', ...env }).map(
    ([k, v]) => `${k}=${v}`,
  );
  return run(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      `${mounts} && exec runuser -u nobody -- env -i "$@"`,
      'sh',
      ...vars,
      ...args,
    ],
    { timeoutMs },
  );
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (!statSync(path).isDirectory()) return;
  for (const entry of readdirSync(path)) chownTree(join(path, entry), uid, gid);
}

/**
 * Makes a school's install usable by `nobody` with the checkout hidden: the stack's CA certificate
 * is copied next to the config (the stack's directory may be inside the checkout), and the whole
 * install directory belongs to nobody.
 */
export function handToNobody(school: School, caFile: string): void {
  const dir = school.install.dir;
  const ca = join(dir, 'ca.pem');
  copyFileSync(caFile, ca);
  const config = readFileSync(school.install.configFile, 'utf8');
  writeFileSync(school.install.configFile, config.split(caFile).join(ca));
  const uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim());
  chownTree(dir, uid, gid);
}
