import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { ConfigSources, ParsedConfig, ParsedConfigCache } from '../config/load-config.js';

type Env = Record<string, string | undefined>;

const FORMAT = 'hwc-watcher parsed config 1';
/** A parse is a few KB; anything much larger in the directory is not ours. */
const MAX_ENTRY_BYTES = 1 << 20;
/** An entry not written for this long belongs to a config that is gone or unchanged; made again on need. */
const PRUNE_AFTER_MS = 90 * 86_400_000;
/** Marks an `undefined` value in the stored JSON: no key of a valid config holds a NUL. */
const UNDEFINED_MARK = '\u0000';

export interface ConfigCacheOptions {
  /** A directory only this user writes (beside the compiled code: compile-cache.ts). */
  dir: string;
  /**
   * What names this very code: a parse made by other code (another release, another build) is
   * never used. The bundle's file names carry a hash of their content (scripts/bundle.mjs).
   */
  build: string;
  versions?: NodeJS.ProcessVersions;
  now?: () => number;
}

/**
 * Keeps what parseConfig made of a config between runs, so that a run whose files are unchanged
 * neither loads yaml and zod nor validates (README, Performance).
 *
 * The copy holds what the config file holds (staff names and addresses, the monitoring URL), so
 * it is encrypted with AES-256-GCM under a key derived from the very texts it was made of: the
 * config file, the directory's defaults file, whether each environment variable the validation
 * read was unset, empty or set (never its value: load-config.ts hands over only that), hwc's build
 * and Node's, ICU's and the time zone data's versions. Without the file it copies, the copy says
 * nothing; a changed byte in any input is another key, which GCM's tag refuses, so a stale parse
 * is never used. Secrets are not in it (the config names where they are; they are read at every
 * run), and a config with a plain-text password is never kept. One entry per config file,
 * replaced when that file changes, removed when it no longer gives a parse to keep (invalid, a
 * plain-text password); an entry nobody wrote for 90 days goes at the next write. Any failure
 * costs only speed.
 *
 * What GCM cannot do is tell this user's entry from one made by someone who can read the config
 * file: that rests on the directory, as for the compiled code beside it (compile-cache.ts). So an
 * entry is used only when it is a regular file of this user that nobody else may write.
 */
export function configCache(options: ConfigCacheOptions): ParsedConfigCache {
  const versions = options.versions ?? process.versions;
  const now = options.now ?? Date.now;
  const keyOf = (sources: ConfigSources, env: Env, envNames: readonly string[]): Buffer =>
    createHash('sha256')
      .update(
        JSON.stringify([
          FORMAT,
          options.build,
          versions.node,
          versions.icu ?? null,
          versions.tz ?? null,
          sources.configPath,
          sources.config,
          sources.defaults?.path ?? null,
          sources.defaults?.source ?? null,
          envNames.map((name) => [name, env[name] ?? null]),
        ]),
      )
      .digest();
  const fileOf = (sources: ConfigSources): string =>
    join(
      options.dir,
      `${createHash('sha256')
        .update(JSON.stringify([FORMAT, sources.configPath, sources.defaults?.path ?? null]))
        .digest('hex')
        .slice(0, 32)}.json`,
    );
  const forget = (sources: ConfigSources): void => unlinkQuietly(fileOf(sources));

  return {
    get(sources, env) {
      try {
        const text = readEntry(fileOf(sources));
        if (text === undefined) return undefined;
        const entry = JSON.parse(text) as Partial<Record<'env' | 'iv' | 'tag' | 'data', unknown>>;
        const { env: envNames, iv, tag, data } = entry;
        if (!Array.isArray(envNames) || !envNames.every((name) => typeof name === 'string')) return undefined;
        if (typeof iv !== 'string' || typeof tag !== 'string' || typeof data !== 'string') return undefined;
        const decipher = createDecipheriv(
          'aes-256-gcm',
          keyOf(sources, env, envNames),
          Buffer.from(iv, 'base64'),
        );
        decipher.setAuthTag(Buffer.from(tag, 'base64'));
        const plain = Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]);
        const parsed = decode(JSON.parse(plain.toString('utf8'))) as Partial<ParsedConfig>;
        const { config, warnings } = parsed;
        if (typeof config !== 'object' || config === null) return undefined;
        if (!Array.isArray(warnings) || !warnings.every((w) => typeof w === 'string')) return undefined;
        return { config, warnings };
      } catch {
        // No entry, another config's, a changed input (the tag does not match), or a damaged file.
        return undefined;
      }
    },
    set(sources, env, envNames, parsed) {
      let partial: string | undefined;
      try {
        const encoded = encode(parsed, 0);
        if (encoded === NOT_KEPT) {
          forget(sources);
          return;
        }
        const iv = randomBytes(12);
        const cipher = createCipheriv('aes-256-gcm', keyOf(sources, env, envNames), iv);
        const data = Buffer.concat([cipher.update(JSON.stringify(encoded), 'utf8'), cipher.final()]);
        const entry = JSON.stringify({
          env: envNames,
          iv: iv.toString('base64'),
          tag: cipher.getAuthTag().toString('base64'),
          data: data.toString('base64'),
        });
        // An entry too large to be read back is not written at every run.
        if (Buffer.byteLength(entry) > MAX_ENTRY_BYTES) {
          forget(sources);
          return;
        }
        mkdirSync(options.dir, { recursive: true, mode: 0o700 });
        prune(options.dir, now());
        const file = fileOf(sources);
        partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
        writeFileSync(partial, entry, { mode: 0o600, flag: 'wx' });
        renameSync(partial, file);
        partial = undefined;
      } catch {
        // A directory that cannot be written (or a full disk): the next run validates again.
        if (partial !== undefined) unlinkQuietly(partial);
      }
    },
    forget,
  };
}

/**
 * The entry's text, when it is a regular file of this user that no other may write, of a
 * plausible size: never a link, a FIFO (which would block), a device or a huge file planted there.
 */
function readEntry(path: string): string | undefined {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    const uid = process.getuid?.();
    if (!stat.isFile() || stat.size > MAX_ENTRY_BYTES || (stat.mode & 0o022) !== 0) return undefined;
    if (uid !== undefined && stat.uid !== uid) return undefined;
    const bytes = Buffer.alloc(stat.size);
    let read = 0;
    while (read < bytes.length) {
      const n = readSync(fd, bytes, read, bytes.length - read, read);
      if (n === 0) return undefined;
      read += n;
    }
    return bytes.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already.
  }
}

/** Entries of configs not written for months, and parts a crashed run left, go. */
function prune(dir: string, at: number): void {
  for (const name of readdirSync(dir)) {
    if (!/^[0-9a-f]{32}\.json(\.\d+\.[0-9a-f]{8}\.tmp)?$/.test(name)) continue;
    const path = join(dir, name);
    try {
      const age = at - statSync(path).mtimeMs;
      if (age > (name.endsWith('.tmp') ? 3_600_000 : PRUNE_AFTER_MS)) unlinkQuietly(path);
    } catch {
      // Gone already (another process pruned it).
    }
  }
}

const NOT_KEPT = Symbol('not kept');

/**
 * The parse as JSON that gives back exactly the same values, or NOT_KEPT for anything JSON would
 * change: a class instance (a `Secret`: a plain-text password), a number JSON cannot hold, a
 * sparse array, a getter, a frozen object. `undefined` values are kept, as `{ "\u0000": 0 }`.
 */
function encode(value: unknown, depth: number): unknown {
  if (depth > 64) return NOT_KEPT;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? value : NOT_KEPT;
    case 'undefined':
      return { [UNDEFINED_MARK]: 0 };
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return NOT_KEPT;
        const items: unknown[] = [];
        for (let i = 0; i < value.length; i += 1) {
          if (!Object.hasOwn(value, i)) return NOT_KEPT;
          const item = encode(value[i], depth + 1);
          if (item === NOT_KEPT) return NOT_KEPT;
          items.push(item);
        }
        return items;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return NOT_KEPT;
      if (Object.getOwnPropertySymbols(value).length > 0) return NOT_KEPT;
      const out: Record<string, unknown> = {};
      for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(value))) {
        const plain =
          'value' in descriptor && descriptor.enumerable && descriptor.writable && descriptor.configurable;
        if (!plain || key.includes(UNDEFINED_MARK) || key === '__proto__') {
          return NOT_KEPT;
        }
        const item = encode(descriptor.value, depth + 1);
        if (item === NOT_KEPT) return NOT_KEPT;
        out[key] = item;
      }
      return out;
    }
    default:
      return NOT_KEPT;
  }
}

function decode(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(decode);
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === UNDEFINED_MARK) return undefined;
  // fromEntries defines each key, as JSON.parse did: an assignment to `__proto__` would not.
  return Object.fromEntries(keys.map((key) => [key, decode((value as Record<string, unknown>)[key])]));
}
