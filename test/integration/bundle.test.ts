/**
 * The bundle that `npm run build` wrote (scripts/bundle.mjs): what an empty check never runs is in
 * chunks of its own, loaded only on first use, what is required on first use works, and the
 * compiled code kept between runs (src/code-cache.ts) is used, checked and renewed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CLI, REPO } from '../support/hwc.js';

const DIST = join(REPO, 'dist');
const chunks = readdirSync(DIST).filter((name) => name === 'hwc.cjs' || name.startsWith('hwc-'));
const source = (name: string): string => readFileSync(join(DIST, name), 'utf8');

/** The chunks that `name` requires when it loads, and theirs: what loading `name` compiles. */
function staticClosure(name: string, seen = new Set<string>()): Set<string> {
  if (seen.has(name)) return seen;
  seen.add(name);
  // A chunk loaded on first use is required inside a function, never at the start of a line.
  for (const match of source(name).matchAll(/^(?:const [\w$]+ = )?require\("\.\/(hwc-[^"]+\.cjs)"\);$/gm)) {
    staticClosure(match[1] as string, seen);
  }
  return seen;
}

/** Runs the bin with its cache in `cache` (XDG_CACHE_HOME); Node 20 has no cache of its own. */
function hwc(args: string[], env: Record<string, string>): ReturnType<typeof spawnSync> {
  const { NODE_DISABLE_COMPILE_CACHE: _, CACHE_DIRECTORY: __, ...rest } = process.env;
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...rest, ...env } });
}
const ownCache =
  typeof (module as unknown as { enableCompileCache?: unknown }).enableCompileCache !== 'function';

describe('the bundle', () => {
  it('when the check command loads, then the SOCKS client and the message downloads are not part of it', () => {
    const check = chunks.find(
      (name) => /^hwc-check-[\w-]+\.cjs$/.test(name) && source(name).includes('checkWithOutput'),
    );
    expect(check).toBeDefined();
    const loaded = [...staticClosure(check as string)];
    const socks = chunks.filter((name) => source(name).includes('class SocksClient'));
    const download = chunks.filter((name) => source(name).includes('MessageSplitter = class'));
    expect(socks).toHaveLength(1);
    expect(download).toHaveLength(1);
    expect(loaded).not.toContain(socks[0]);
    expect(loaded).not.toContain(download[0]);
    // encoding-japanese stays in node_modules, required on the first Japanese charset.
    expect(chunks.filter((name) => source(name).includes('UTF8_TO_JIS_TABLE'))).toEqual([]);
  });

  it('when the bundled libmime decodes an ISO-2022-JP word, then encoding-japanese is required from node_modules and the text is the one libmime gives unbundled', () => {
    const script = `
      import { readdirSync } from 'node:fs';
      import { createRequire } from 'node:module';
      const dist = ${JSON.stringify(DIST)};
      const require = createRequire(dist + '/hwc.cjs');
      const chunk = require(dist + '/' + readdirSync(dist).find((n) => n.startsWith('hwc-mail-auth-')));
      const libmime = Object.values(chunk).find((v) => typeof v?.decodeWords === 'function');
      const before = Object.keys(require.cache).some((k) => k.includes('encoding-japanese'));
      const word = '=?ISO-2022-JP?B?GyRCJEYkOSRIGyhC?=';
      const bundled = libmime.decodeWords(word);
      const after = Object.keys(require.cache).some((k) => k.includes('encoding-japanese'));
      const reference = createRequire(require.resolve('imapflow'))('libmime').decodeWords(word);
      console.log(JSON.stringify({ before, after, bundled, reference }));
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      before: false,
      after: true,
      bundled: '\u3066\u3059\u3068',
      reference: '\u3066\u3059\u3068',
    });
  });

  it('when the check command loads, then no String#localeCompare is in it (ICU collation, 15 ms), and imapflow orders folder names as localeCompare would', () => {
    const check = chunks.find(
      (name) => /^hwc-check-[\w-]+\.cjs$/.test(name) && source(name).includes('checkWithOutput'),
    ) as string;
    for (const name of staticClosure(check)) {
      if (name.startsWith('hwc-mail-auth-')) expect(source(name)).not.toContain('.localeCompare(');
    }
    const mailAuth = chunks.find((name) => name.startsWith('hwc-mail-auth-')) as string;
    const helper = /const hwcComparePaths = (\(a, b\) => \{[^\n]*\n(?:[^\n]*\n)*?\};)/.exec(source(mailAuth));
    expect(helper).not.toBeNull();
    const compare = new Function(`return ${(helper?.[1] ?? '').replace(/;$/, '')}`)() as (
      a: string,
      b: string,
    ) => number;
    const names = ['INBOX', 'Sent', 'sent', 'Junk', 'junk', 'Junk E-mail', 'Spam', 'Trash', 'Drafts'];
    names.push('Archive', 'Archive/2023', 'Archive/2024', 'Deleted Items', 'Sent Items', 'Verzonden items');
    names.push(
      'Ongewenste e-mail',
      'Prullenbak',
      'Concepten',
      'archief 2024',
      'HwC',
      'hwc',
      'A1',
      'A10',
      'A2',
    );
    expect([...names].sort(compare)).toEqual([...names].sort((a, b) => a.localeCompare(b)));
  });

  it('when the check command loads, then yaml and zod are not part of it (a config parsed by an earlier run needs neither), nor classify (an empty check reads no message)', () => {
    const yaml = chunks.filter((name) => source(name).includes('exports.parseDocument'));
    const zod = chunks.filter((name) => source(name).includes('ZodObject'));
    const classify = chunks.filter((name) => source(name).includes('const NAME_PART_LABEL'));
    expect(yaml).toHaveLength(1);
    expect(zod).toHaveLength(1);
    expect(classify).toHaveLength(1);
    for (const entry of [/^hwc-check-command-[\w-]{8}\.cjs$/, /^hwc-check-[\w-]{8}\.cjs$/]) {
      const name = chunks.find((n) => entry.test(n));
      expect(name).toBeDefined();
      const loaded = [...staticClosure(name as string)];
      expect(loaded).not.toContain(yaml[0]);
      expect(loaded).not.toContain(zod[0]);
      expect(loaded).not.toContain(classify[0]);
    }
  });

  it("when every chunk is listed, then each name but the bin's carries a hash of its content, on which the code cache relies", () => {
    expect(chunks).toContain('hwc.cjs');
    for (const name of chunks.filter((n) => n !== 'hwc.cjs'))
      expect(name).toMatch(/^hwc-[\w-]+-[\w-]{8}\.cjs$/);
    // The bin is the main module: no chunk may require it, or it could run a second time.
    for (const name of chunks) expect(source(name)).not.toContain('require("./hwc.cjs")');
  });

  it('when dist/cli.js, the bin of earlier releases, is run, then it is the same CLI', () => {
    const run = spawnSync(process.execPath, [join(DIST, 'cli.js'), '--version'], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version);
  });
});

describe.skipIf(!ownCache)("hwc's own code cache (Node without module.enableCompileCache)", () => {
  const cacheOf = (home: string): string => join(home, 'hwc-watcher', 'compile', 'v8');
  const entries = (dir: string): Map<string, Stats> =>
    new Map(readdirSync(dir).map((name) => [name, statSync(join(dir, name))]));

  it('when hwc runs twice, then the first run writes the compiled chunks, private to the user, and the second uses them without writing', () => {
    const home = mkdtempSync(join(tmpdir(), 'hwc-cache-'));
    const first = hwc(['--version'], { XDG_CACHE_HOME: home });
    expect(first.status, String(first.stderr)).toBe(0);
    const written = entries(cacheOf(home));
    expect([...written.keys()].some((name) => /^hwc-cli-[\w-]{8}\.cjs\.v8$/.test(name))).toBe(true);
    expect(statSync(cacheOf(home)).mode & 0o777).toBe(0o700);
    for (const stat of written.values()) expect(stat.mode & 0o777).toBe(0o600);

    // The cache of a chunk that is no longer there (an older release) goes when new code is cached.
    writeFileSync(join(cacheOf(home), 'hwc-cli-0ldChunk.cjs.v8'), 'old');
    rmSync(join(cacheOf(home), [...written.keys()].find((n) => n.startsWith('hwc-cli-')) as string));
    const again = hwc(['--version'], { XDG_CACHE_HOME: home });
    expect(again.status, String(again.stderr)).toBe(0);
    expect(readdirSync(cacheOf(home))).not.toContain('hwc-cli-0ldChunk.cjs.v8');
    const rewritten = entries(cacheOf(home));
    expect([...rewritten.keys()].sort()).toEqual([...written.keys()].sort());

    const second = hwc(['--version'], { XDG_CACHE_HOME: home });
    expect(second.status, String(second.stderr)).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    for (const [name, stat] of entries(cacheOf(home)))
      expect(stat.mtimeMs).toBe(rewritten.get(name)?.mtimeMs);
  });

  it('when a cache file is damaged, then it is never handed to V8: the chunk is compiled as usual and its cache written again', () => {
    const home = mkdtempSync(join(tmpdir(), 'hwc-cache-'));
    expect(hwc(['--version'], { XDG_CACHE_HOME: home }).status).toBe(0);
    const dir = cacheOf(home);
    const name = readdirSync(dir).find((n) => n.startsWith('hwc-cli-')) as string;
    const damaged = readFileSync(join(dir, name));
    damaged[damaged.length >> 1] = (damaged[damaged.length >> 1] as number) ^ 0xff;
    writeFileSync(join(dir, name), damaged);

    const run = hwc(['--help'], { XDG_CACHE_HOME: home });
    expect(run.status, String(run.stderr)).toBe(0);
    expect(run.stdout).toContain('Usage:');
    const renewed = readFileSync(join(dir, name));
    expect(renewed.equals(damaged)).toBe(false);
    expect(renewed.readUInt32BE(0)).toBe(crc32(renewed.subarray(4)) >>> 0);
  });

  it('when the cache directory cannot be made, or NODE_DISABLE_COMPILE_CACHE is set, then hwc runs as before and writes nothing', () => {
    const noHome = hwc(['--version'], { HOME: '/dev/null', XDG_CACHE_HOME: '' });
    expect(noHome.status, String(noHome.stderr)).toBe(0);
    expect(noHome.stderr).toBe('');

    const home = mkdtempSync(join(tmpdir(), 'hwc-cache-'));
    const off = hwc(['--version'], { XDG_CACHE_HOME: home, NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(off.status, String(off.stderr)).toBe(0);
    expect(readdirSync(home)).toEqual([]);
  });
});

describe('the kept parse of a config (adapters/config-cache.ts) in the bundle', () => {
  /** Lists on stderr the chunks a run loaded, after everything else it wrote there. */
  const PRELOAD = `
    const Module = require('node:module');
    const load = Module._load;
    const seen = [];
    Module._load = function (request, ...rest) {
      if (/hwc-[\\w-]+\\.cjs$/.test(request)) seen.push(request.replace(/.*\\//, ''));
      return load.call(this, request, ...rest);
    };
    process.on('exit', () => process.stderr.write('loaded: ' + seen.join(' ') + '\\n'));
  `;

  it('when hwc reads the same config twice, then the second run neither loads yaml and zod nor parses, and a changed config is read again', () => {
    const home = mkdtempSync(join(tmpdir(), 'hwc-config-cache-'));
    const preload = join(home, 'preload.cjs');
    writeFileSync(preload, PRELOAD);
    const config = join(home, 'hwc.yaml');
    const example = readFileSync(join(REPO, 'config', 'hwc.example.yaml'), 'utf8');
    writeFileSync(join(home, 'smtp-password'), 'smtp-Geheim-9918\n');
    writeFileSync(
      config,
      example
        .replace('/var/lib/hwc-watcher', join(home, 'state'))
        .replace('/etc/hwc-watcher/smtp-password', join(home, 'smtp-password')),
    );
    const parser = chunks.find((name) => source(name).includes('ZodObject')) as string;
    const run = () => {
      const {
        NODE_DISABLE_COMPILE_CACHE: _,
        CACHE_DIRECTORY: __,
        HWC_CONFIG_CACHE: ___,
        ...rest
      } = process.env;
      const result = spawnSync(process.execPath, ['-r', preload, CLI, 'schedule', '--config', config], {
        encoding: 'utf8',
        env: { ...rest, XDG_CACHE_HOME: home, HWC_IMAP_PASSWORD: 'x' },
      });
      expect(result.status, result.stderr).toBe(0);
      const loaded = /^loaded: (.*)$/m.exec(result.stderr)?.[1]?.split(' ') ?? [];
      return { stdout: result.stdout, parsed: loaded.includes(parser) };
    };

    const first = run();
    expect(first.parsed).toBe(true);
    const kept = join(home, 'hwc-watcher', 'config');
    const [entry, ...more] = readdirSync(kept);
    expect(more).toEqual([]);
    const bytes = readFileSync(join(kept, entry as string), 'latin1');
    for (const value of ['Reuzepas', 'zorg@school.example.nl', 'privacy@stichting'])
      expect(bytes).not.toContain(value);

    const second = run();
    expect(second.parsed).toBe(false);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stdout).toContain('07:45');

    writeFileSync(config, readFileSync(config, 'utf8').replace("'07:45'", "'07:50'"));
    const changed = run();
    expect(changed.parsed).toBe(true);
    expect(changed.stdout).toContain('07:50');
    expect(changed.stdout).not.toContain('07:45');
    expect(run().parsed).toBe(false);
  });
});
