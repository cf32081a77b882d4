import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { basename, dirname, join, sep } from 'node:path';
import { Script } from 'node:vm';
import { crc32 } from 'node:zlib';

/** The parts of Node's CommonJS Module that loading a file with a cache needs (not in @types). */
interface CommonJsModule {
  exports: unknown;
  require(id: string): unknown;
  _compile(content: string, filename: string): unknown;
}
interface ModuleInternals {
  prototype: CommonJsModule;
  wrap(content: string): string;
  _resolveFilename(request: string, parent: CommonJsModule, isMain: boolean, options?: unknown): string;
  _cache: Record<string, unknown>;
}

interface Loaded {
  script: Script;
  file: string;
  /** Compiled without usable cached data: its cache is written when the process ends. */
  stale: boolean;
}

/** Four bytes of CRC-32 in front of V8's data: a file cut short or changed is never handed to V8. */
const HEADER = 4;

function readCache(file: string): Buffer | undefined {
  try {
    const data = readFileSync(file);
    if (data.length <= HEADER) return undefined;
    const payload = data.subarray(HEADER);
    return data.readUInt32BE(0) === crc32(payload) ? payload : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(file: string, payload: Buffer): void {
  const header = Buffer.alloc(HEADER);
  header.writeUInt32BE(crc32(payload) >>> 0, 0);
  // Written beside and renamed over: a second process reads the old file or the new, never half.
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, Buffer.concat([header, payload]), { mode: 0o600 });
  renameSync(partial, file);
}

/**
 * Keeps V8's compiled code of the bundle's own chunks between runs on Node versions without
 * module.enableCompileCache (Node 20): compiling the bundle was most of an empty check's time left
 * after bundling (README, Performance). Only files in `bundleDir` whose names match `chunkName`
 * are loaded this way; everything else goes through Node's loader untouched. The chunk names
 * carry a hash of their content, so an upgrade never meets the cache of other code; V8 itself
 * rejects data from another Node version or other V8 flags, and then the chunk is compiled as
 * usual and its cache written again. V8 checks only the length of the source against its data:
 * `chunkName` must match only names that carry a hash of the content. Returns the function that writes what is stale, for the end
 * of the process. Any failure to read or write only costs speed.
 */
export function cacheBundleCode(cacheDir: string, bundleDir: string, chunkName: RegExp): () => void {
  const internals = Module as unknown as ModuleInternals;
  const original = internals.prototype._compile;
  const ours = bundleDir.endsWith(sep) ? bundleDir : bundleDir + sep;
  const loaded: Loaded[] = [];
  internals.prototype._compile = function compileWithCache(this: CommonJsModule, content, filename) {
    if (!filename.startsWith(ours) || !chunkName.test(basename(filename))) {
      return original.call(this, content, filename);
    }
    const file = join(cacheDir, `${basename(filename)}.v8`);
    const cachedData = readCache(file);
    const script = new Script(internals.wrap(content), { filename, cachedData });
    loaded.push({ script, file, stale: cachedData === undefined || script.cachedDataRejected === true });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    const require = Object.assign((id: string) => this.require(id), {
      resolve: (request: string, options?: unknown) =>
        internals._resolveFilename(request, this, false, options),
      cache: internals._cache,
    });
    return wrapper.call(this.exports, this.exports, require, this, filename, dirname(filename));
  };
  return () => {
    const stale = loaded.filter((entry) => entry.stale);
    if (stale.length === 0) return;
    try {
      mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
      // Made now, after the work: the data then holds every function the run compiled.
      for (const entry of stale) writeCache(entry.file, entry.script.createCachedData());
      // The cache of chunks an upgrade replaced would stay for good: gone when new code is cached.
      const current = new Set(readdirSync(bundleDir).map((name) => `${name}.v8`));
      for (const name of readdirSync(cacheDir)) {
        if (name.endsWith('.v8') && !current.has(name)) rmSync(join(cacheDir, name), { force: true });
      }
    } catch {
      // A cache that cannot be written is only slower next time.
    }
  };
}
