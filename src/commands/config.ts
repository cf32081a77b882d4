import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configCache } from '../adapters/config-cache.js';
import { keptCacheDir } from '../compile-cache.js';
import {
  loadConfig,
  type LoadConfigDeps,
  type LoadConfigResult,
  type ParsedConfigCache,
} from '../config/load-config.js';
import type { ResolvedConfig } from '../config/types.js';
import type { Secret } from '../config/secret.js';
import { EXIT, type Io } from './io.js';

export type LoadedConfig = ResolvedConfig;

/**
 * Loads the config for a command, or prints every problem (key and fix) and returns exit code 78.
 * Warnings (a plain-text password that was allowed) go to stderr at every start.
 */
export async function loadConfigForCommand(path: string, io: Io): Promise<LoadedConfig | number> {
  const result = await readConfig(path, io);
  if ('errors' in result) {
    io.stderr.write(
      `hwc: the configuration is not valid:\n${result.errors.map((e) => `  ${e}`).join('\n')}\n`,
    );
    return EXIT.config;
  }
  for (const warning of result.warnings) io.stderr.write(`hwc: warning: ${warning}\n`);
  return result.config;
}

/** The config of `path`: as its config directory read it moments ago when it did, else from the files. */
export async function readConfig(path: string, io: Io): Promise<LoadConfigResult> {
  return io.board?.takeConfig?.(path) ?? loadConfig(path, loadConfigDepsOf(io));
}

/**
 * How a command's config is read: with the directory's shared defaults for a school of a board,
 * and with the parses of earlier runs where they may be kept.
 */
export function loadConfigDepsOf(io: Io): LoadConfigDeps {
  const defaultsFile = io.board?.defaultsFile;
  const cache = parsedConfigCacheOf(io.env);
  return { env: io.env, cwd: io.cwd, ...(defaultsFile ? { defaultsFile } : {}), ...(cache ? { cache } : {}) };
}

/** A file of the bundle (scripts/bundle.mjs): its name carries a hash of its content and its imports'. */
const BUNDLED = /^hwc-[\w-]+-[\w-]{8}\.cjs$/;
const caches = new Map<string, ParsedConfigCache>();

/**
 * The kept parses (adapters/config-cache.ts), beside the compiled code and off with it
 * (NODE_DISABLE_COMPILE_CACHE=1: keptCacheDir), or alone with HWC_CONFIG_CACHE=0 (or false, off,
 * no). Only the bundle keeps them: the name of this file of it names the code that parsed (the
 * hash covers the chunks it loads, the parser's among them), where unbundled code (tests, dist/
 * for tools) has no such name.
 */
export function parsedConfigCacheOf(
  env: Io['env'],
  moduleFile = fileURLToPath(import.meta.url),
): ParsedConfigCache | undefined {
  if (/^(0|false|off|no)$/i.test(env.HWC_CONFIG_CACHE ?? '')) return undefined;
  const build = basename(moduleFile);
  const compile = keptCacheDir(env);
  if (!BUNDLED.test(build) || compile === undefined) return undefined;
  const dir = join(dirname(compile), 'config');
  let cache = caches.get(`${dir}\n${build}`);
  if (cache === undefined) {
    cache = configCache({ dir, build });
    caches.set(`${dir}\n${build}`, cache);
  }
  return cache;
}

export function revealSecret(secret: Secret): string {
  return secret.reveal();
}
