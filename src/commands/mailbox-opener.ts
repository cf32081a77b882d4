import { ImapMailboxOpener } from '../adapters/imap-mailbox.js';
import type { Logger } from '../core/ports.js';
import type { LoadedConfig } from './config.js';
import { serverSettings } from './mail-auth.js';

/**
 * The check's mailbox: a server that is restarting or a network that drops gets three more tries.
 * The logger is asked for only at a retry: `hwc check` connects before it has loaded its logger.
 */
export function mailboxOpener(config: LoadedConfig, logger: () => Logger): ImapMailboxOpener {
  return new ImapMailboxOpener(serverSettings('imap', config.imap), {
    delaysMs: [1_000, 3_000, 9_000],
    onRetry: (attempt, code, delayMs) =>
      logger().warn({ step: 'connect', attempt, code, delayMs }, 'IMAP connection failed; trying again'),
  });
}

/**
 * One turn of the event loop after a connection is prepared: Node sends a socket's connect on the
 * next tick (net.connect), and the local work that follows until its first wait for I/O would
 * otherwise hold the connection back until it is done.
 */
export const letConnectionStart = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
