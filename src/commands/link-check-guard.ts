import { join } from 'node:path';
import { DAEMON_LOCK_FILE, LockUnreadableError, StorageLock } from '../adapters/storage-lock.js';
import type { Logger } from '../core/ports.js';
import type { LoadedConfig } from './config.js';
import { EXIT, type Io } from './io.js';

/**
 * In link mode a one-shot `hwc check` sends links to a page that only `hwc run` serves. Without a
 * running daemon those links would open nothing, the contact could not confirm, and the signal
 * would wait for an escalation that nobody runs. So the check refuses (EXIT.config) unless
 * `hwc run` of the same storage holds its lock. A dry run sends nothing and is always allowed.
 * A lock that cannot be read proves no daemon either: the check refuses (EXIT.runError, as for
 * any storage file it cannot use), and says which file and what to do, since it will refuse
 * again until someone does. Refusing sends nothing: a running hwc run still checks on its own.
 * Returns the exit code of the refusal, or undefined when the check may run.
 */
export function linkCheckRefusal(
  config: Pick<LoadedConfig, 'deliver' | 'storage'>,
  options: { dryRun: boolean },
  io: Io,
  logger: Logger,
): number | undefined {
  if (config.deliver !== 'link' || options.dryRun) return undefined;
  let running: boolean;
  try {
    // Looked at without taking it, so that an hwc run starting at this instant is not refused.
    running = StorageLock.heldByAnother(config.storage, DAEMON_LOCK_FILE);
  } catch (err) {
    return unreadableLockRefusal(config.storage, err, io, logger);
  }
  if (running) return undefined;
  io.stderr.write(
    `hwc check: deliver: link needs hwc run for this storage (${config.storage}), because only hwc run serves the page the links open; no hwc run is running, so this check did not run. Start it (systemctl start hwc-watcher, or hwc run), or use hwc check --dry-run to see what a check would do\n`,
  );
  return EXIT.config;
}

const RESTART =
  'stop hwc run if it runs (systemctl stop hwc-watcher), remove the file, and start hwc run again, which makes it anew';

/** What to do about an hwc-run.lock that cannot be read, by the cause's code. */
function lockFix(code: string): string {
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return `the file is damaged; it holds no data (it is only hwc run's lock): ${RESTART}`;
  }
  if (code === 'ELOOP') return `the file is a symbolic link, which hwc never makes: ${RESTART}`;
  if (code === 'EACCES' || code === 'EPERM' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM') {
    return "this user may not read it: run hwc check as the user that runs hwc run (the file is that user's, mode 0600)";
  }
  return `check that this user may read the storage directory; if the file is damaged, ${RESTART}`;
}

function unreadableLockRefusal(storage: string, err: unknown, io: Io, logger: Logger): number {
  const file = err instanceof LockUnreadableError ? err.file : join(storage, DAEMON_LOCK_FILE);
  const code = err instanceof LockUnreadableError ? err.code : 'UNKNOWN';
  logger.error(
    { step: 'lock', outcome: 'refused', reason: 'lock-unreadable', code },
    `${DAEMON_LOCK_FILE} cannot be read, so it is unknown whether hwc run serves the link page; this check did not run`,
  );
  io.stderr.write(
    `hwc check: cannot read ${file} (${code}), so this check cannot tell whether hwc run runs for this storage; deliver: link needs hwc run, because only hwc run serves the page the links open, so this check did not run, and will not until the file is fixed: ${lockFix(code)}\n`,
  );
  return EXIT.runError;
}
