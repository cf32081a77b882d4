/**
 * `hwc check`. The mailbox's connection starts as soon as the config says where, before the rest
 * of the check is loaded (the logger, the state, the step machine, classify, compose): the
 * server's greeting, STARTTLS and sign-in are mostly waiting, and that loading fills the wait
 * (README, Performance). This module loads only what connecting needs; commands/check.ts is the
 * rest.
 */
import { schoolLogger, slotOf } from '../board/check-hooks.js';
import type { Logger } from '../core/ports.js';
import { loadConfigForCommand, type LoadedConfig } from './config.js';
import type { Io } from './io.js';
import { letConnectionStart, mailboxOpener } from './mailbox-opener.js';

/**
 * Whether the connection may start before the lock and the directory's place: not for a school
 * of a config directory, whose checks take a place among its bounded concurrent connections
 * first, and not in link mode, where a check without its daemon is refused before it connects.
 */
function connectsEarly(config: LoadedConfig, io: Io): boolean {
  return io.board === undefined && config.deliver !== 'link';
}

export async function commandCheck(
  configPath: string,
  options: { dryRun: boolean; json?: boolean },
  io: Io,
): Promise<number> {
  const config = await loadConfigForCommand(configPath, io);
  if (typeof config === 'number') return config;
  // Asked for only when a connection is retried, inside the check, when it is set.
  let logger: Logger;
  const opener = connectsEarly(config, io) ? mailboxOpener(config, () => logger) : undefined;
  try {
    if (opener) {
      opener.prepare({ readOnly: options.dryRun });
      await letConnectionStart();
    }
    const [{ createLogger }, { checkOutputOf, logDestination }, { checkWithOutput }] = await Promise.all([
      import('../adapters/logger.js'),
      import('./check-output.js'),
      import('./check.js'),
    ]);
    const output = checkOutputOf(io, options.json ?? false);
    const log = schoolLogger(createLogger(logDestination(output)), io);
    logger = log;
    // In a config directory, the check waits for a place among the directory's concurrent checks.
    return await slotOf(io)(() => checkWithOutput(config, { ...options, output }, log, io, opener));
  } finally {
    // A connection the check never took (it was refused, or could not open its state) is ended.
    await opener?.discard();
  }
}
