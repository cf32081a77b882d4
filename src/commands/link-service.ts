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
import { localDate } from '../core/schedule.js';

/** The state's key for the day the contacts were last told that the page cannot start. */
export const LINK_ALERT_META = 'link_page_alerted_on';

/** What happens when the page cannot start (the port is taken, the certificate unreadable). */
export interface LinkFailure {
  /**
   * Alone (`--config`): the daemon stops (exit 1), because mail with links that open nothing would
   * only delay the escalation that catches it; systemd restarts it, and in the end OnFailure= runs.
   */
  stop?: (code: string) => void;
  /**
   * In a config directory the process serves other schools: this school keeps its checks, and the
   * page is tried again after each of these waits (the last one repeats).
   */
  retryDelaysMs?: readonly number[];
  /** Tells the contacts, content-free; resolves whether SMTP accepted it for any of them. */
  alert: (checksGoOn: boolean) => Promise<boolean>;
}

/** The link page as a service of `hwc run`, when `deliver: link`; see LinkFailure for a failure. */
export function linkService(
  config: LoadedConfig,
  store: SqliteStore,
  logger: Logger,
  failure: LinkFailure,
): DaemonService | undefined {
  const web = config.web;
  if (config.deliver !== 'link' || !web) return undefined;
  let server: LinkServer | undefined;
  let retry: NodeJS.Timeout | undefined;
  let stopped = false;
  const delays = failure.retryDelaysMs ?? [];

  const tryStart = async (control: DaemonControl, attempt: number): Promise<boolean> => {
    try {
      const started = await startServer(config, web, store, logger, control);
      if (stopped) await started.close();
      else server = started;
      logger.info({ event: 'link-page', host: web.listen.host, port: started.port }, 'link page listening');
      return true;
    } catch (err) {
      logger.error(
        { event: 'link-page', outcome: 'failed', code: 'LINK_PAGE_UNAVAILABLE', attempt, err },
        delays.length > 0
          ? 'the link page could not start; the checks go on, and it is tried again'
          : 'the link page could not start',
      );
      return false;
    }
  };
  const failed = async (control: DaemonControl, attempt: number): Promise<void> => {
    await alertOncePerDay(config, store, logger, () => failure.alert(delays.length > 0));
    if (delays.length === 0) {
      failure.stop?.('LINK_PAGE_UNAVAILABLE');
      return;
    }
    if (stopped) return;
    retry = setTimeout(
      () => {
        retry = undefined;
        void (async () => {
          if (stopped || (await tryStart(control, attempt + 1))) return;
          await failed(control, attempt + 1);
        })();
      },
      delays[Math.min(attempt - 1, delays.length - 1)],
    );
  };
  return {
    async start(control) {
      store.linkTokens().forgetOrphans();
      if (await tryStart(control, 1)) return;
      const after = failed(control, 1);
      // Alone, the contacts are told before the daemon stops; in a directory the checks start now.
      if (delays.length === 0) await after;
    },
    async stop() {
      stopped = true;
      clearTimeout(retry);
      await server?.close();
    },
  };
}

/** The contacts are told once a day; a day on which SMTP accepted it for nobody tries again. */
async function alertOncePerDay(
  config: LoadedConfig,
  store: SqliteStore,
  logger: Logger,
  alert: () => Promise<boolean>,
): Promise<void> {
  try {
    const today = localDate(systemClock.now(), config.timezone);
    if (store.getMeta(LINK_ALERT_META) === today) return;
    if (await alert()) store.setMeta(LINK_ALERT_META, today);
  } catch (err) {
    // The log line of the failure is the trace; the page is tried again all the same.
    logger.error({ event: 'link-page', outcome: 'failed', err }, 'the contacts could not be told');
  }
}

function startServer(
  config: LoadedConfig,
  web: NonNullable<LoadedConfig['web']>,
  store: SqliteStore,
  logger: Logger,
  control: DaemonControl,
): Promise<LinkServer> {
  const tls =
    web.tls && web.tls !== 'proxy'
      ? { cert: readFileSync(web.tls.cert, 'utf8'), key: readFileSync(web.tls.key, 'utf8') }
      : undefined;
  return startLinkServer(
    {
      school: config.school,
      timezone: config.timezone,
      notify: config.notify,
      maxMessageBytes: config.maxMessageBytes,
      maxReveals: web.maxReveals,
      pins: web.pins,
      store,
      tokens: store.linkTokens(),
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
