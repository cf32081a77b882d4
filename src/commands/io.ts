import type { LoadConfigResult } from '../config/load-config.js';
import type { ServiceHooks, ServiceHookSettings } from './service-manager.js';

/** What a command may touch of the outside world, passed in so that tests can run it in-process. */
export interface Io {
  env: Record<string, string | undefined>;
  cwd: string;
  /** What `hwc privacy-check` reads its search terms from; no input when absent. */
  stdin?: InputStream;
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  /** Where SIGTERM and SIGINT arrive (the process, in production). */
  signals: { once(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown };
  /** Set when the command runs for one school of a config directory (src/board/). */
  board?: BoardContext;
}

/** What a school of a config directory shares with the others, and what sets it apart. */
export interface BoardContext {
  /** The school's name in the directory: its file name without `.yaml`. */
  schoolName: string;
  /** The directory's shared defaults file, merged under the school's own file. */
  defaultsFile?: string;
  /** Runs one check when a place is free among the directory's bounded concurrent checks. */
  slot<T>(work: () => Promise<T>): Promise<T>;
  /** `hwc run`: the directory's one systemd notifier, in place of a notifier of the school's own. */
  serviceHooks?: (settings: ServiceHookSettings) => ServiceHooks;
  /** The config of `path` as the directory read it moments ago, once; undefined after that. */
  takeConfig?: (path: string) => LoadConfigResult | undefined;
}

/** Standard input: a stream, and on a terminal the switch that turns echo off. */
export type InputStream = NodeJS.ReadableStream & {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
};

/**
 * Exit codes: the contract that systemd units, scripts and tests rely on. 78 is sysexits'
 * EX_CONFIG; 75 is EX_TEMPFAIL: another hwc process holds the storage, try again later.
 */
export const EXIT = {
  ok: 0,
  runError: 1,
  badInput: 2,
  usage: 64,
  locked: 75,
  config: 78,
} as const;
