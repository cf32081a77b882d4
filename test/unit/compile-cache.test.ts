import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { compileCacheDir, enableCompileCache } from '../../src/compile-cache.js';

describe('compile cache directory', () => {
  it('when systemd gives a CacheDirectory, then the cache is kept in its first directory', () => {
    expect(
      compileCacheDir({ CACHE_DIRECTORY: '/var/cache/hwc-watcher:/var/cache/other', HOME: '/home/x' }),
    ).toBe('/var/cache/hwc-watcher/compile');
  });

  it('when only XDG_CACHE_HOME or HOME is set, then the cache is in that user cache', () => {
    expect(compileCacheDir({ XDG_CACHE_HOME: '/home/x/.xdg', HOME: '/home/x' })).toBe(
      '/home/x/.xdg/hwc-watcher/compile',
    );
    expect(compileCacheDir({ HOME: '/home/x' })).toBe('/home/x/.cache/hwc-watcher/compile');
  });

  it('when no user directory is known or it is relative, then there is no cache, never the shared tmp', () => {
    expect(compileCacheDir({})).toBeUndefined();
    expect(compileCacheDir({ HOME: 'relative/home' })).toBeUndefined();
    expect(compileCacheDir({ TMPDIR: tmpdir() })).toBeUndefined();
  });

  it('when the cache cannot be enabled (Node 20, or a directory that cannot be made), then nothing throws', () => {
    // A HOME that is a file: mkdir fails at once (ENOTDIR). Not a path under /proc: there Node 22
    // and 24 retry the mkdir for ever (procfs answers ENOENT), and the test would never end.
    expect(() => enableCompileCache({ HOME: '/dev/null' })).not.toThrow();
    expect(() => enableCompileCache({})).not.toThrow();
  });
});
