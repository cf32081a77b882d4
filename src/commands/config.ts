import { loadConfig, type LoadConfigResult } from '../config/load-config.js';
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

/** How a command's config is read: with the directory's shared defaults for a school of a board. */
export function loadConfigDepsOf(io: Io): { env: Io['env']; cwd: string; defaultsFile?: string } {
  const defaultsFile = io.board?.defaultsFile;
  return { env: io.env, cwd: io.cwd, ...(defaultsFile ? { defaultsFile } : {}) };
}

export function revealSecret(secret: Secret): string {
  return secret.reveal();
}
