import { DAEMON_LOCK_FILE, StorageLock } from '../adapters/storage-lock.js';
import type { LoadedConfig } from './config.js';
import { EXIT, type Io } from './io.js';

/**
 * In link mode a one-shot `hwc check` sends links to a page that only `hwc run` serves. Without a
 * running daemon those links would open nothing, the contact could not confirm, and the signal
 * would wait for an escalation that nobody runs. So the check refuses (EXIT.config) unless
 * `hwc run` of the same storage holds its lock. A dry run sends nothing and is always allowed.
 * Returns the exit code of the refusal, or undefined when the check may run.
 */
export function linkCheckRefusal(
  config: Pick<LoadedConfig, 'deliver' | 'storage'>,
  options: { dryRun: boolean },
  io: Io,
): number | undefined {
  if (config.deliver !== 'link' || options.dryRun) return undefined;
  let running: boolean;
  try {
    // Looked at without taking it, so that an hwc run starting at this instant is not refused.
    running = StorageLock.heldByAnother(config.storage, DAEMON_LOCK_FILE);
  } catch {
    // The storage cannot be used at all: the check's own opening says why, with the fix.
    return undefined;
  }
  if (running) return undefined;
  io.stderr.write(
    `hwc check: deliver: link needs hwc run for this storage (${config.storage}), because only hwc run serves the page the links open; no hwc run is running, so this check did not run. Start it (systemctl start hwc-watcher, or hwc run), or use hwc check --dry-run to see what a check would do\n`,
  );
  return EXIT.config;
}
