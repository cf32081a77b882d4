import { readFileSync } from 'node:fs';
import type { Logger } from '../core/ports.js';
import type { DaemonControl, DaemonService } from '../daemon.js';
import { ImapMailboxOpener } from '../adapters/imap-mailbox.js';
import { mailParser } from '../adapters/mail-parser.js';
import type { SqliteStore } from '../adapters/sqlite-store.js';
import { systemClock } from '../adapters/system-clock.js';
import { startLinkServer, type LinkServer } from '../web/link-server.js';
import type { LoadedConfig } from './config.js';
import { serverSettings } from './mail-auth.js';
import { CHECK_LOCK_FILE, StorageLock } from '../adapters/storage-lock.js';
import { HwcError } from '../core/errors.js';

/**
 * The link page as a service of `hwc run`, when `deliver: link`. It cannot start (the port is
 * taken, the certificate unreadable): `onFailure` stops the daemon, because mail with links that
 * open nothing would only delay the escalation that catches it.
 */
export function linkService(
  config: LoadedConfig,
  store: SqliteStore,
  logger: Logger,
  onFailure: (code: string) => void,
): DaemonService | undefined {
  const web = config.web;
  if (config.deliver !== 'link' || !web) return undefined;
  let server: LinkServer | undefined;
  return {
    async start(control) {
      const tokens = store.linkTokens();
      tokens.forgetOrphans();
      try {
        const tls =
          web.tls && web.tls !== 'proxy'
            ? { cert: readFileSync(web.tls.cert, 'utf8'), key: readFileSync(web.tls.key, 'utf8') }
            : undefined;
        server = await startLinkServer(
          {
            school: config.school,
            timezone: config.timezone,
            notify: config.notify,
            maxMessageBytes: config.maxMessageBytes,
            maxReveals: web.maxReveals,
            pins: web.pins,
            store,
            tokens,
            // One attempt: a person waits on the page, and a failure there says "try again".
            opener: new ImapMailboxOpener(serverSettings('imap', config.imap), { delaysMs: [] }),
            parser: mailParser,
            clock: systemClock,
            logger,
            exclusive: (write) => underCheckLock(config, control, write),
            checkNow: () => control.checkNow(),
          },
          {
            host: web.listen.host,
            port: web.listen.port,
            ...(tls ? { tls } : {}),
            behindProxy: web.tls === 'proxy',
          },
        );
        logger.info({ event: 'link-page', host: web.listen.host, port: server.port }, 'link page listening');
      } catch (err) {
        logger.error({ event: 'link-page', outcome: 'failed', err }, 'the link page could not start');
        onFailure('LINK_PAGE_UNAVAILABLE');
      }
    },
    async stop() {
      await server?.close();
    },
  };
}

/**
 * A write of the page (a confirmation, a hand-on) under the checks' own lock: after this daemon's
 * running check, and never beside a check of another process (a manual `hwc check`), which would
 * otherwise write back the signal as it read it and lose the confirmation.
 */
async function underCheckLock<T>(config: LoadedConfig, control: DaemonControl, write: () => T): Promise<T> {
  await control.idle();
  const attempt = await StorageLock.acquire(config.storage, CHECK_LOCK_FILE, {
    // A person waits on the page: "try again" after a while beats a page that hangs.
    waitMs: Math.min(config.checkTimeoutMs, 25_000),
  });
  if (!('held' in attempt)) throw new HwcError('STORAGE_LOCKED', 'a check held the storage too long');
  try {
    return write();
  } finally {
    attempt.held.release();
  }
}
