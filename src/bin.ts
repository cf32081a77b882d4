#!/usr/bin/env node
// The `hwc` bin. scripts/bundle.mjs builds it as CommonJS (dist/hwc.cjs and its hwc-*.cjs chunks):
// Node loads CommonJS in one synchronous pass, where an ES module entry first starts the ES module
// loader (about 20 ms of an empty check). Everything but this file loads after the compile cache
// is on, so that the cache covers it.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useZoneSpans } from './adapters/zone-spans.js';
import { keptCacheDir, startCompileCache } from './compile-cache.js';
import { keepYoungGenerationSmall } from './young-generation.js';

/** The bundle's chunks (scripts/bundle.mjs): each name ends in a hash of the chunk's content. */
const CHUNK = /^hwc-[\w-]+-[\w-]{8}\.cjs$/;

keepYoungGenerationSmall();
const saveCache = startCompileCache(process.env, dirname(fileURLToPath(import.meta.url)), CHUNK);
// The time zone spans (core/zone-offsets.ts) are kept beside the compiled code, and off with it.
const cacheDir = keptCacheDir(process.env);
const saveZones = cacheDir === undefined ? () => {} : useZoneSpans(cacheDir, Date.now);
process.once('exit', () => {
  saveCache();
  saveZones();
});
import('./cli.js').then(
  ({ runFromProcess }) => runFromProcess(),
  (err: unknown) => {
    process.stderr.write(
      `hwc: cannot load its own code (${(err as Error)?.message ?? String(err)}); reinstall hwc-watcher\n`,
    );
    process.exitCode = 1;
  },
);
