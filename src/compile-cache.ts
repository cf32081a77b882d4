import module from 'node:module';
import { isAbsolute, join } from 'node:path';
import { cacheBundleCode } from './code-cache.js';

/** What Node >= 22.1 offers as module.enableCompileCache; absent on Node 20. */
type EnableCompileCache = (directory?: string) => unknown;

/**
 * Where V8's compiled code may be kept between runs: a directory only this user writes. Never
 * the shared temporary directory (Node's default), where another local user could leave code for
 * hwc to run. systemd's CacheDirectory= sets CACHE_DIRECTORY; otherwise the XDG cache, else none.
 */
export function compileCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  const systemd = env.CACHE_DIRECTORY?.split(':')[0];
  const dir = systemd
    ? join(systemd, 'compile')
    : env.XDG_CACHE_HOME
      ? join(env.XDG_CACHE_HOME, 'hwc-watcher', 'compile')
      : env.HOME
        ? join(env.HOME, '.cache', 'hwc-watcher', 'compile')
        : undefined;
  // A relative path would follow the working directory, wherever hwc was started.
  return dir !== undefined && isAbsolute(dir) ? dir : undefined;
}

/**
 * Where hwc keeps what it may keep between runs (compiled code, time zone spans, config parses),
 * or undefined when NODE_DISABLE_COMPILE_CACHE=1 turns them all off.
 */
export function keptCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  return env.NODE_DISABLE_COMPILE_CACHE ? undefined : compileCacheDir(env);
}

/**
 * Lets Node keep the compiled bundle between runs, where it can (Node >= 22.1): compiling the
 * code was the largest part of an empty check's time left (README, Performance). Only speed
 * changes: a directory that cannot be written, or NODE_DISABLE_COMPILE_CACHE=1, leaves it off.
 */
export function enableCompileCache(env: NodeJS.ProcessEnv): boolean {
  const enable = (module as unknown as { enableCompileCache?: EnableCompileCache }).enableCompileCache;
  const dir = compileCacheDir(env);
  if (typeof enable !== 'function' || dir === undefined) return false;
  try {
    enable(dir);
  } catch {
    // Node reports a failure in its return value; a throw is just as harmless: no cache.
  }
  return true;
}

/**
 * Keeps the bundle's compiled code between runs: Node's own compile cache where there is one
 * (Node >= 22.1), else hwc's for its own chunks (code-cache.ts), in a directory of its own beside
 * where Node's would be. Returns what to call when the process ends (a no-op for Node's, which
 * writes its cache itself). Call it before the bundle's chunks load, and after any V8 flag is set:
 * V8 refuses cached code made under other flags.
 */
export function startCompileCache(env: NodeJS.ProcessEnv, bundleDir: string, chunkName: RegExp): () => void {
  if (enableCompileCache(env)) return () => {};
  const dir = keptCacheDir(env);
  if (dir === undefined) return () => {};
  return cacheBundleCode(join(dir, 'v8'), bundleDir, chunkName);
}
