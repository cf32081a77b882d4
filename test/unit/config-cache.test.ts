import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configCache } from '../../src/adapters/config-cache.js';
import { parsedConfigCacheOf } from '../../src/commands/config.js';
import { loadConfig, type ParsedConfigCache } from '../../src/config/load-config.js';
import { REPO } from '../support/hwc.js';

const EXAMPLE = readFileSync(join(REPO, 'config', 'hwc.example.yaml'), 'utf8');
/** What the example config leaves out, so that every kind of value passes through the cache. */
const EXTRAS = `
deliver: link
web: { listen: "127.0.0.1:8443", baseUrl: "http://127.0.0.1:8443" }
monitoring: { pingUrl: "https://hc-ping.example/Monitoring-Token-5521/{school}", pingStart: true }
proofOfLife: { weeklyReport: fri, selfTest: [mon, wed] }
`;
const ENV = { HWC_IMAP_PASSWORD: 'imap-Geheim-7731', CREDENTIALS_DIRECTORY: '/run/credentials/hwc' };

let dir: string;
let cacheDir: string;
let configPath: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hwc-config-cache-'));
  cacheDir = join(dir, 'cache', 'config');
  configPath = join(dir, 'hwc.yaml');
  writeFileSync(join(dir, 'smtp-password'), 'smtp-Geheim-9918\n');
  writeFileSync(configPath, EXAMPLE.replace('/etc/hwc-watcher/smtp-password', 'smtp-password') + EXTRAS);
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The cache, counting the parses it handed out. */
function counted(
  options: Partial<Parameters<typeof configCache>[0]> = {},
): ParsedConfigCache & { hits: number } {
  const inner = configCache({ dir: cacheDir, build: 'hwc-config-AbCd1234.cjs', ...options });
  const cache = {
    hits: 0,
    get: (...args: Parameters<ParsedConfigCache['get']>) => {
      const found = inner.get(...args);
      if (found) cache.hits += 1;
      return found;
    },
    set: inner.set,
    forget: inner.forget,
  };
  return cache;
}

const load = (cache?: ParsedConfigCache, env: Record<string, string | undefined> = ENV) =>
  loadConfig(configPath, { env, cwd: dir, ...(cache ? { cache } : {}) });

const entries = () => readdirSync(cacheDir);

/** The config's SMTP password written into the file itself, as allowPlaintextPassword allows. */
function writePlaintextPassword(): void {
  const text = readFileSync(configPath, 'utf8')
    .replace('pass: { file: smtp-password }', 'pass: plain-Geheim-4455')
    .replace(
      'school: Basisschool De Reuzepas',
      'school: Basisschool De Reuzepas\nallowPlaintextPassword: true',
    );
  writeFileSync(configPath, text);
}

describe('the kept parse of a config (adapters/config-cache.ts)', () => {
  it('when a config is loaded a second time, then the kept parse gives exactly what parsing the file gives', async () => {
    const fresh = await load();
    expect('config' in fresh).toBe(true);
    const cache = counted();
    expect(await load(cache)).toStrictEqual(fresh);
    expect(cache.hits).toBe(0);
    expect(entries()).toHaveLength(1);
    expect(await load(cache)).toStrictEqual(fresh);
    expect(cache.hits).toBe(1);
  });

  it('when the kept parse is on disk, then none of the config’s values can be read from it, and only this user may read it', async () => {
    await load(counted());
    const [entry] = entries();
    const path = join(cacheDir, entry as string);
    const bytes = readFileSync(path).toString('latin1');
    for (const value of [
      'Reuzepas',
      'zorg@school',
      'Zorgco',
      'Achterwacht',
      'Monitoring-Token-5521',
      'veiligthuis',
      'imap.example.nl',
    ]) {
      expect(bytes).not.toContain(value);
    }
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
  });

  it('when one byte of the config changes, then it is parsed again and the new value is used, and its entry replaced', async () => {
    const cache = counted();
    await load(cache);
    writeFileSync(configPath, readFileSync(configPath, 'utf8').replace("'07:45'", "'07:46'"));
    const changed = await load(cache);
    expect(cache.hits).toBe(0);
    expect('config' in changed && changed.config.schedule.checks).toEqual(['07:00', '07:46', '08:05']);
    expect(entries()).toHaveLength(1);
    await load(cache);
    expect(cache.hits).toBe(1);
  });

  it('when a config is no longer valid, then its error is reported although an earlier parse was kept, and that copy is removed', async () => {
    const cache = counted();
    await load(cache);
    writeFileSync(
      configPath,
      readFileSync(configPath, 'utf8').replace('escalateAfter: 20m', 'escalateAfter: soon'),
    );
    const broken = await load(cache);
    expect(broken).toEqual({ errors: [expect.stringMatching(/^escalateAfter: /)] });
    // What the file said before (staff names among it) is not left behind in the cache.
    expect(entries()).toEqual([]);
  });

  it('when whether an environment variable the validation read is set changes, then the config is validated again; its value and other variables do not matter', async () => {
    const cache = counted();
    await load(cache);
    const entry = join(cacheDir, entries()[0] as string);
    const written = readFileSync(entry, 'utf8');
    await load(cache, { ...ENV, UNRELATED: 'x' });
    expect(cache.hits).toBe(1);
    // The kept parse and its key never depend on a password: the entry cannot test a guess of it.
    const other = await load(cache, { ...ENV, HWC_IMAP_PASSWORD: 'another' });
    expect(cache.hits).toBe(2);
    expect('config' in other && other.config.imap.auth.pass?.reveal()).toBe('another');
    expect(readFileSync(entry, 'utf8')).toBe(written);
    const unset = await load(cache, { CREDENTIALS_DIRECTORY: ENV.CREDENTIALS_DIRECTORY });
    expect(unset).toEqual({ errors: [expect.stringMatching(/HWC_IMAP_PASSWORD is not set/)] });
    await load(cache);
    const empty = await load(cache, { ...ENV, HWC_IMAP_PASSWORD: '' });
    expect(empty).toEqual({ errors: [expect.stringMatching(/HWC_IMAP_PASSWORD is empty/)] });
    expect(cache.hits).toBe(2);
  });

  it('when something else sits where the entry would be (a link, a FIFO, a huge file, a file others may write), then it is not read, and nothing waits', async () => {
    const cache = counted();
    const fresh = await load(cache);
    const entry = join(cacheDir, entries()[0] as string);
    const good = readFileSync(entry);
    const planted = join(dir, 'planted.json');
    writeFileSync(planted, good);
    const tries: (() => void)[] = [
      () => symlinkSync(planted, entry),
      () => execFileSync('mkfifo', [entry]),
      () => writeFileSync(entry, Buffer.alloc(2 << 20, 0x20)),
      () => {
        writeFileSync(entry, good);
        chmodSync(entry, 0o666);
      },
    ];
    for (const plant of tries) {
      rmSync(entry, { force: true });
      plant();
      expect(await load(cache)).toStrictEqual(fresh);
    }
    expect(cache.hits).toBe(0);
  });

  it('when the secret files change, then the new secret is used: secrets are never kept, always read', async () => {
    const cache = counted();
    await load(cache);
    writeFileSync(join(dir, 'smtp-password'), 'new-Geheim-1234\n');
    const again = await load(cache);
    expect(cache.hits).toBe(1);
    expect('config' in again && again.config.smtp.auth.pass?.reveal()).toBe('new-Geheim-1234');
    expect(readFileSync(join(cacheDir, entries()[0] as string), 'latin1')).not.toContain('Geheim');
  });

  it('when the config has a plain-text password, then its parse is not kept', async () => {
    writePlaintextPassword();
    const loaded = await load(counted());
    expect('config' in loaded).toBe(true);
    expect(() => entries()).toThrow();
    // Nor is the copy from before the password was written into the file left behind.
    writeFileSync(configPath, EXAMPLE.replace('/etc/hwc-watcher/smtp-password', 'smtp-password'));
    await load(counted());
    expect(entries()).toHaveLength(1);
    writePlaintextPassword();
    await load(counted());
    expect(entries()).toEqual([]);
  });

  it('when a parse holds undefined values, then they come back as such; values JSON would change are not kept', () => {
    const cache = counted();
    const sources = { configPath, config: 'x' };
    const parsed = {
      config: { a: undefined, b: [undefined, 1, 'twee'], c: { d: null, e: false } },
      warnings: ['w'],
    };
    cache.set(sources, {}, [], parsed as never);
    expect(cache.get(sources, {})).toStrictEqual(parsed);
    const sparse: unknown[] = [];
    sparse[1] = 1;
    for (const value of [Number.NaN, -0, Infinity, new Date(0), new Map(), sparse, Object.freeze({ f: 1 })]) {
      const other = { configPath, config: `other ${String(value)}` };
      cache.set(other, {}, [], { config: { value }, warnings: [] } as never);
      expect(cache.get(other, {})).toBeUndefined();
    }
  });

  it('when another build of hwc, or another Node or ICU, made the kept parse, then it is not used', async () => {
    await load(counted());
    const otherBuild = counted({ build: 'hwc-config-ZzZz9999.cjs' });
    await load(otherBuild);
    const otherNode = counted({ versions: { ...process.versions, node: '99.0.0' } });
    await load(otherNode);
    const otherIcu = counted({ versions: { ...process.versions, tz: '2099a' } });
    await load(otherIcu);
    expect([otherBuild.hits, otherNode.hits, otherIcu.hits]).toEqual([0, 0, 0]);
  });

  it('when the kept parse is damaged or is another config’s, then the file is parsed and the entry written again', async () => {
    const cache = counted();
    const fresh = await load(cache);
    const path = join(cacheDir, entries()[0] as string);
    for (const damage of ['', 'not json', '{"env":[],"iv":"AAAA","tag":"AAAA","data":"AAAA"}']) {
      writeFileSync(path, damage);
      expect(await load(cache)).toStrictEqual(fresh);
    }
    const entry = JSON.parse(readFileSync(path, 'utf8')) as { data: string };
    const flipped = Buffer.from(entry.data, 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    writeFileSync(path, JSON.stringify({ ...entry, data: flipped.toString('base64') }));
    expect(await load(cache)).toStrictEqual(fresh);
    expect(cache.hits).toBe(0);
    await load(cache);
    expect(cache.hits).toBe(1);
  });

  it('when a config directory’s defaults file changes, then each school’s config is parsed again', async () => {
    const defaults = join(dir, 'defaults.yaml');
    writeFileSync(defaults, 'purgeAfter: 8h\n');
    writeFileSync(configPath, readFileSync(configPath, 'utf8').replace('purgeAfter: 8h\n', ''));
    const cache = counted();
    const loadWith = () => loadConfig(configPath, { env: ENV, cwd: dir, defaultsFile: defaults, cache });
    await loadWith();
    writeFileSync(defaults, 'purgeAfter: 6h\n');
    const changed = await loadWith();
    expect(cache.hits).toBe(0);
    expect('config' in changed && changed.config.purgeAfterMs).toBe(6 * 3_600_000);
  });

  it('when the directory cannot be written, then the config loads as without a cache', async () => {
    writeFileSync(join(dir, 'cache'), 'a file where the directory would be');
    const fresh = await load();
    expect(await load(counted())).toStrictEqual(fresh);
  });

  it('when entries have not been written for 90 days, then the next write removes them, and leaves the others', async () => {
    mkdirSync(cacheDir, { recursive: true });
    const old = join(cacheDir, `${'a'.repeat(32)}.json`);
    const recent = join(cacheDir, `${'b'.repeat(32)}.json`);
    const notOurs = join(cacheDir, 'notes.txt');
    for (const path of [old, recent, notOurs]) writeFileSync(path, '{}');
    const longAgo = new Date(Date.now() - 91 * 86_400_000);
    utimesSync(old, longAgo, longAgo);
    utimesSync(notOurs, longAgo, longAgo);
    await load(counted());
    const left = entries();
    expect(left).toHaveLength(3);
    expect(left).toContain(`${'b'.repeat(32)}.json`);
    expect(left).toContain('notes.txt');
    expect(left).not.toContain(`${'a'.repeat(32)}.json`);
  });
});

describe('which runs keep parses (commands/config.ts)', () => {
  const bundled = '/opt/hwc/dist/hwc-config-AbCd1234.cjs';

  it('when hwc runs from its bundle, then parses are kept beside the compiled code', () => {
    expect(parsedConfigCacheOf({ CACHE_DIRECTORY: '/var/cache/hwc-watcher' }, bundled)).toBeDefined();
    expect(parsedConfigCacheOf({ HOME: '/home/hwc' }, bundled)).toBeDefined();
  });

  it('when the caches are off, the config cache alone is off, or the code is not the bundle, then no parse is kept', () => {
    const env = { HOME: '/home/hwc' };
    expect(parsedConfigCacheOf({ ...env, NODE_DISABLE_COMPILE_CACHE: '1' }, bundled)).toBeUndefined();
    expect(parsedConfigCacheOf({ ...env, HWC_CONFIG_CACHE: '0' }, bundled)).toBeUndefined();
    expect(parsedConfigCacheOf(env, '/work/hwc-watcher/src/commands/config.ts')).toBeUndefined();
    expect(parsedConfigCacheOf({ HOME: 'relative' }, bundled)).toBeUndefined();
  });
});
