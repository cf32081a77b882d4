import type { Clock, Logger } from '../core/ports.js';
import type { CheckDeps } from '../check/context.js';
import { guardedCheck, TIMEOUT_OVERRUN_MS } from '../check/watchdog.js';
import { renderPlan } from '../check/dry-run.js';
import { deadManDue, sendDeadManAlarm, type DeadManSettings } from '../check/dead-man.js';
import { lazyMailParser } from '../adapters/lazy-mail-parser.js';
import type { DaemonService } from '../daemon.js';
import type { ImapMailboxOpener } from '../adapters/imap-mailbox.js';
import { SmtpMailer } from '../adapters/smtp-mailer.js';
import { SqliteStore } from '../adapters/sqlite-store.js';
import { storageFailureMessage } from '../adapters/storage-dir.js';
import {
  CHECK_LOCK_FILE,
  DAEMON_LOCK_FILE,
  DAEMON_START_WAIT_MS,
  LockUnreadableError,
  StorageLock,
  lockFailureMessage,
  type LockAttempt,
} from '../adapters/storage-lock.js';
import { systemClock } from '../adapters/system-clock.js';
import { createLogger } from '../adapters/logger.js';
import { loadConfigDepsOf, loadConfigForCommand, type LoadedConfig } from './config.js';
import { letConnectionStart, mailboxOpener } from './mailbox-opener.js';
import { serverSettings } from './mail-auth.js';
import { loadConfig, type LoadConfigResult } from '../config/load-config.js';
import { failureCode } from '../check/failure-code.js';
import { pruneExpiredAudit } from '../audit-retention.js';
import { EXIT, type Io } from './io.js';
import { linkRetryDelaysMs, testStepHook } from './test-hooks.js';
import { randomUUID } from 'node:crypto';
import { domainOf } from '../core/compose.js';
import { verifyChain } from '../core/audit-entry.js';
import type { CheckSchedule } from '../core/schedule.js';
import { checkScheduleOf } from './schedule.js';
import { packageVersion } from '../version.js';
import { writeCheckOutput, type CheckOutput } from './check-output.js';
import { serviceHooks } from './service-manager.js';
import { afterCheckProofOfLife } from './proof-of-life.js';
import { monitoredCheck, schoolLogger, slotOf } from '../board/check-hooks.js';
import { linkCheckRefusal } from './link-check-guard.js';

interface Wiring {
  deps: CheckDeps;
  store: SqliteStore;
}

function smtpMailer(config: LoadedConfig): SmtpMailer {
  return new SmtpMailer({ ...serverSettings('smtp', config.smtp), from: config.from });
}

function wire(
  config: LoadedConfig,
  logger: Logger,
  options: { dryRun: boolean },
  io: Io,
  opener: ImapMailboxOpener = mailboxOpener(config, () => logger),
): Wiring {
  // The mailbox's connection starts now unless it started already (commands/check-command.ts),
  // so that its waiting overlaps opening the state; the check's connect step takes it
  // (finishWiring ends it when the check never got there).
  opener.prepare({ readOnly: options.dryRun });
  let store: SqliteStore;
  try {
    store = SqliteStore.open(config.storage, { readOnly: options.dryRun });
  } catch (err) {
    void opener.discard();
    throw err;
  }
  const mailer = smtpMailer(config);
  const testHook = testStepHook(io.env, config.storage);
  const deps: CheckDeps = {
    settings: {
      school: config.school,
      timezone: config.timezone,
      from: config.from,
      senders: config.senders,
      ...(config.trustedAuthservId ? { trustedAuthservId: config.trustedAuthservId } : {}),
      ...(config.receivingServer ? { receivingServer: config.receivingServer } : {}),
      contacts: { primary: config.contacts.primary, backup: config.contacts.backup },
      primaryAbsent: config.contacts.primary.absent,
      notify: config.notify,
      ...linkSettings(config),
      escalateAfterMs: config.escalateAfterMs,
      purgeAfterMs: config.purgeAfterMs,
      schedule: checkScheduleSettings(config),
      maxMessageBytes: config.maxMessageBytes,
      maxMessagesPerCheck: config.maxMessagesPerCheck,
      maxNotificationBytes: config.maxNotificationBytes,
      version: packageVersion(),
    },
    opener,
    mailer,
    store,
    clock: systemClock,
    logger,
    parser: lazyMailParser,
    linkTokens: store.linkTokens(),
    // Fault injection for the kill-at-every-step and disk-full tests; inert unless set.
    ...(testHook ? { onStep: testHook } : {}),
  };
  return { deps, store };
}

/** What every check's wiring ends with, whatever the check did. */
async function finishWiring(wiring: Wiring): Promise<void> {
  wiring.deps.mailer.close();
  wiring.store.close();
  await wiring.deps.opener.discard?.();
}

/** Link mode: the page's address and which roles it asks for a PIN (src/web/). */
function linkSettings(config: LoadedConfig): Pick<CheckDeps['settings'], 'deliver' | 'link'> {
  if (config.deliver !== 'link' || !config.web) return {};
  const pinRoles = (['primary', 'backup'] as const).filter((role) => config.web?.pins[role]);
  return { deliver: 'link', link: { baseUrl: config.web.baseUrl, pinRoles } };
}

async function linkDaemonOptions(
  config: LoadedConfig,
  store: SqliteStore,
  logger: Logger,
  io: Io,
  stop: (code: string) => void,
): Promise<{ services?: DaemonService[]; checkAtStart?: boolean }> {
  // The page's modules (and mailparser, for the reveal) load only in link mode.
  if (config.deliver !== 'link') return {};
  const { linkService } = await import('./link-service.js');
  // Alone, a page that cannot start stops the daemon; in a config directory the school keeps
  // its checks and the page is tried again (README, "The link mode").
  const service = linkService(config, store, logger, {
    ...(io.board ? { retryDelaysMs: linkRetryDelaysMs(io.env) } : { stop }),
    alert: (checksGoOn) => linkPageAlert(config, logger, checksGoOn),
  });
  return service ? { services: [service], checkAtStart: true } : {};
}

/** The contacts, told that the links open nothing; over a mailer of its own, like the dead-man alarm. */
async function linkPageAlert(config: LoadedConfig, logger: Logger, checksGoOn: boolean): Promise<boolean> {
  const { composeLinkPageDown } = await import('../core/compose-link.js');
  const mailer = smtpMailer(config);
  try {
    const result = await mailer.send(
      composeLinkPageDown({
        identity: { school: config.school, fromAddress: config.from.address, timezone: config.timezone },
        contacts: [config.contacts.primary, config.contacts.backup],
        at: systemClock.now(),
        checksGoOn,
        ...(config.mailboxHint ? { mailboxHint: config.mailboxHint } : {}),
        messageId: `hwc.linkpage.${randomUUID()}@${domainOf(config.from.address)}`,
      }),
    );
    const told = result.accepted.length > 0;
    logger.warn(
      { event: 'link-page', step: 'alert', outcome: told ? 'sent' : 'failed', count: result.accepted.length },
      told ? 'the contacts were told that the links open nothing' : 'no contact could be told',
    );
    return told;
  } catch (err) {
    logger.error({ event: 'link-page', step: 'alert', outcome: 'failed', err }, 'no contact could be told');
    return false;
  } finally {
    mailer.close();
  }
}

/** Opens the state, or says plainly which directory cannot be used and why (an errno code only). */
function openOrExplain<T>(open: () => T, config: LoadedConfig, io: Io): T | undefined {
  try {
    return open();
  } catch (err) {
    io.stderr.write(
      err instanceof LockUnreadableError
        ? lockFailureMessage(err)
        : storageFailureMessage(config.storage, err),
    );
    return undefined;
  }
}

/**
 * Takes the storage's check lock, waiting for another check (a manual one, or the daemon's) for
 * up to checkTimeout, as apt waits for its lock: then this check runs after that one, and sees
 * what it did. Says who holds it when the wait runs out. A check past its checkTimeout may still
 * wait for a send in flight (check/watchdog.ts), so the wait is that much longer.
 */
async function checkLock(
  config: LoadedConfig,
  logger: Logger,
  io: Io,
  onWait?: () => void,
): Promise<StorageLock | number> {
  let attempt: LockAttempt;
  const waitMs = config.checkTimeoutMs + TIMEOUT_OVERRUN_MS;
  try {
    attempt = await StorageLock.acquire(config.storage, CHECK_LOCK_FILE, {
      waitMs,
      onWait: (pid) => {
        onWait?.();
        logger.warn(
          { step: 'lock', outcome: 'waiting', ...(pid ? { pid } : {}) },
          'another hwc process is checking this storage; waiting for it to finish',
        );
      },
    });
  } catch (err) {
    return (
      openOrExplain(
        () => {
          throw err;
        },
        config,
        io,
      ) ?? EXIT.runError
    );
  }
  if ('held' in attempt) return attempt.held;
  const holder = attempt.heldBy ? `pid ${attempt.heldBy}` : 'another process';
  logger.error(
    {
      step: 'lock',
      outcome: 'timeout',
      code: 'STORAGE_LOCKED',
      ...(attempt.heldBy ? { pid: attempt.heldBy } : {}),
    },
    'another hwc process held the storage for longer than checkTimeout; this check did not run',
  );
  io.stderr.write(
    `hwc: ${holder} still holds ${config.storage}/${CHECK_LOCK_FILE} after waiting ${Math.round(waitMs / 1000)} s (checkTimeout, and ${TIMEOUT_OVERRUN_MS / 1000} s for a send in flight); this check did not run, try again later\n`,
  );
  return EXIT.locked;
}

/** Runs one check under the watchdog (see check/watchdog.ts), with this config's time budget. */
function checkOnce(wiring: Wiring, config: LoadedConfig, dryRun: boolean) {
  return guardedCheck(wiring.deps, { dryRun, timeoutMs: config.checkTimeoutMs });
}

/**
 * `hwc check` once its config is loaded (commands/check-command.ts), with the mailbox connection
 * that may have started already. A connection started before the lock is ended when the lock is
 * held by another check: this check then connects after that one, and sees what it did.
 */
export async function checkWithOutput(
  config: LoadedConfig,
  options: { dryRun: boolean; output: CheckOutput },
  logger: Logger,
  io: Io,
  opener?: ImapMailboxOpener,
): Promise<number> {
  const { output } = options;
  const refused = linkCheckRefusal(config, options, io, logger);
  if (refused !== undefined) return refused;
  // A dry run changes nothing, so it needs no lock and never waits.
  const lock = options.dryRun ? undefined : await checkLock(config, logger, io, () => void opener?.discard());
  if (typeof lock === 'number') return lock;
  const wiring = openOrExplain(() => wire(config, logger, options, io, opener), config, io);
  if (!wiring) {
    lock?.release();
    return EXIT.runError;
  }
  await letConnectionStart();
  try {
    const result = options.dryRun
      ? await checkOnce(wiring, config, true)
      : await monitoredCheck(config, { logger, store: wiring.store }, io, () =>
          checkOnce(wiring, config, false),
        );
    if (!options.dryRun) await afterCheckProofOfLife(wiring.deps, config, !(result instanceof Error));
    if (result instanceof Error) {
      if (!options.dryRun && deadManDue(wiring.deps, deadManSettings(config))) {
        await deadManAlarm(config, wiring.store, logger, wiring.deps.clock);
      }
      writeCheckOutput(io, output, result, wiring.store.allSignals(), config);
      return EXIT.runError;
    }
    // The dry run's plan is its output, as before; --json gives the result as data instead.
    if (options.dryRun && output !== 'json') io.stdout.write(renderPlan(result, wiring.deps.settings));
    else writeCheckOutput(io, output, result, wiring.store.allSignals(), config);
    return EXIT.ok;
  } finally {
    await finishWiring(wiring);
    lock?.release();
  }
}

function deadManSettings(config: LoadedConfig): DeadManSettings {
  return {
    identity: { school: config.school, fromAddress: config.from.address, timezone: config.timezone },
    contacts: [config.contacts.primary, config.contacts.backup],
    schedule: scheduleOf(config),
    deadline: config.schedule.deadline,
    ...(config.mailboxHint ? { mailboxHint: config.mailboxHint } : {}),
  };
}

/** The dead-man alarm over a mailer of its own: the check's may be the thing that failed. */
async function deadManAlarm(
  config: LoadedConfig,
  store: SqliteStore,
  logger: Logger,
  clock: Clock,
): Promise<boolean> {
  const mailer = smtpMailer(config);
  try {
    return await sendDeadManAlarm({ mailer, clock, store, logger }, deadManSettings(config));
  } finally {
    mailer.close();
  }
}

/** A server that said "not now" (4xx) is asked again soon, not only at the next scheduled time. */
const DEFERRED_RETRY_MS = 5 * 60_000;

/**
 * The daemon after a failed check: the dead-man alarm is tried again if it is due and still owed
 * (it may have been deferred at the deadline), and a deferred send gets a follow-up check. A
 * refused login does not: trying it again would only count towards a lockout. When the alarm is
 * owed and reaches nobody, the daemon gives up (exit 1), also on the catch-up check after a
 * restart: so systemd's restarts end in the start limit, the unit fails and OnFailure= runs,
 * instead of a restarted daemon that waits quietly for tomorrow's deadline.
 */
async function afterFailedCheck(
  failure: Error,
  config: LoadedConfig,
  store: SqliteStore,
  logger: Logger,
  giveUp: (code: string) => void,
): Promise<{ nextDueAt?: Date }> {
  if (deadManDue({ clock: systemClock, store }, deadManSettings(config))) {
    if (!(await deadManAlarm(config, store, logger, systemClock))) {
      logger.error(
        { event: 'dead-man', outcome: 'failed', code: 'DEAD_MAN_UNSENT' },
        'no check succeeded and the dead-man alarm could not be sent either; giving up',
      );
      giveUp('DEAD_MAN_UNSENT');
    }
  }
  const code = (failure as { code?: unknown }).code;
  return code === 'SMTP_DEFERRED'
    ? { nextDueAt: new Date(systemClock.now().getTime() + DEFERRED_RETRY_MS) }
    : {};
}

function scheduleOf(config: LoadedConfig): CheckSchedule {
  return checkScheduleOf(config);
}

/** The check's schedule settings with the school calendar, so that deadlines skip closed days. */
function checkScheduleSettings(config: LoadedConfig): CheckSchedule & { deadline: string } {
  return { ...checkScheduleOf(config), deadline: config.schedule.deadline };
}

export async function commandRun(
  configPath: string,
  options: { acceptBrokenChain: boolean },
  io: Io,
): Promise<number> {
  const config = await loadConfigForCommand(configPath, io);
  if (typeof config === 'number') return config;
  // The daemon reads its config again before every check: the parser, loaded only when a config
  // changed since the last run (adapters/config-cache.ts), is loaded now, while the files of this
  // release are certainly there; an upgrade in place replaces them under a running daemon.
  await import('../config/parse-source.js');
  const logger = schoolLogger(createLogger(), io);
  const daemonLock = await daemonLockOrExplain(config, logger, io);
  if (typeof daemonLock === 'number') return daemonLock;
  try {
    return await runDaemon(configPath, config, options, io, logger);
  } finally {
    daemonLock.release();
  }
}

/**
 * One daemon per storage directory: a second one refuses to start and names the first. It waits
 * DAEMON_START_WAIT_MS first, since a link-mode hwc check may be looking at the lock right then.
 */
async function daemonLockOrExplain(
  config: LoadedConfig,
  logger: Logger,
  io: Io,
): Promise<StorageLock | number> {
  let attempt: LockAttempt;
  try {
    // A link-mode hwc check may be looking at the lock at this instant: it lets go at once.
    attempt = await StorageLock.acquire(config.storage, DAEMON_LOCK_FILE, {
      waitMs: DAEMON_START_WAIT_MS,
      pollMs: 50,
      onWait: () =>
        logger.info(
          { step: 'lock', outcome: 'waiting' },
          'hwc-run.lock is busy; waiting briefly, as a link-mode hwc check may be looking at it',
        ),
    });
  } catch (err) {
    return (
      openOrExplain(
        () => {
          throw err;
        },
        config,
        io,
      ) ?? EXIT.runError
    );
  }
  if ('held' in attempt) return attempt.held;
  io.stderr.write(
    `hwc run: another hwc run (${attempt.heldBy ? `pid ${attempt.heldBy}` : 'pid unknown'}) already uses the storage directory ${config.storage}; stop it first (systemctl stop hwc-watcher)\n`,
  );
  return EXIT.locked;
}

/**
 * One check of the daemon. The config is read again for each check, so that `hwc absent` and
 * other edits take effect without a restart; an edit that breaks it is logged and the last good
 * config is used.
 */
function daemonCheckOf(
  configPath: string,
  config: LoadedConfig,
  io: Io,
  logger: ReturnType<typeof createLogger>,
  service: ReturnType<typeof serviceHooks>,
  giveUp: (code: string) => void,
): () => Promise<{ nextDueAt?: Date }> {
  let current = config;
  return async () => {
    // A throw (hwc's own files replaced under a running daemon) is not a config that became
    // invalid: it is said so, with what to do, and the last good config is used all the same.
    let unreadable: string | undefined;
    const fresh = await loadConfig(configPath, loadConfigDepsOf(io)).catch(
      (err: unknown): LoadConfigResult => {
        unreadable = failureCode(err);
        return { errors: [] };
      },
    );
    if ('config' in fresh) current = fresh.config;
    else if (unreadable !== undefined)
      logger.error(
        { event: 'config', outcome: 'unreadable', code: unreadable },
        'the config could not be read (was hwc-watcher upgraded without a restart? restart the service); using the last good one',
      );
    else
      logger.error(
        { event: 'config', outcome: 'invalid' },
        'the config file became invalid; using the last good one',
      );
    // A manual hwc check may be running beside the daemon: this check waits for it.
    const lock = await checkLock(current, logger, io);
    if (typeof lock === 'number') return {};
    const wiring = wire(current, logger, { dryRun: false }, io);
    await letConnectionStart();
    try {
      const result = await monitoredCheck(current, { logger, store: wiring.store }, io, () =>
        checkOnce(wiring, current, false),
      );
      service.checked(!(result instanceof Error));
      await afterCheckProofOfLife(wiring.deps, current, !(result instanceof Error));
      if (result instanceof Error) return afterFailedCheck(result, current, wiring.store, logger, giveUp);
      return result.nextDueAt ? { nextDueAt: result.nextDueAt } : {};
    } finally {
      await finishWiring(wiring);
      lock.release();
    }
  };
}

/** The state as the daemon reads it between checks; see daemonState. */
interface DaemonState {
  /** A look-up; `otherwise` when the state cannot be read. */
  read<T>(look: (store: SqliteStore) => T, otherwise: T): T;
  use<T>(work: (store: SqliteStore) => Promise<T>, otherwise: T): Promise<T>;
}

/**
 * The daemon's own look-ups between checks (the last success, an open workflow, the day's alarm),
 * each on a connection of its own that is closed again: a connection held for the life of the
 * daemon costs 150 KB, which is 30 MB for 200 schools in one process. In link mode the page holds
 * one anyway (`held`). A state that cannot be read gives the answer that checks or alarms, and
 * never throws into a timer, where it would end the process and every other school in it.
 */
export function daemonState(
  config: Pick<LoadedConfig, 'storage'>,
  logger: Logger,
  held: SqliteStore | undefined,
): DaemonState {
  const failed = (err: unknown): void =>
    logger.error({ step: 'state', outcome: 'failed', err }, 'the state could not be read');
  return {
    read(look, otherwise) {
      let store: SqliteStore | undefined;
      try {
        store = held ?? SqliteStore.open(config.storage);
        return look(store);
      } catch (err) {
        failed(err);
        return otherwise;
      } finally {
        if (store !== held) store?.close();
      }
    },
    async use(work, otherwise) {
      let store: SqliteStore | undefined;
      try {
        store = held ?? SqliteStore.open(config.storage);
        return await work(store);
      } catch (err) {
        failed(err);
        return otherwise;
      } finally {
        if (store !== held) store?.close();
      }
    },
  };
}

/** Verifies the audit chain and prunes it at start; false when the daemon must not start. */
function auditAtStart(
  store: SqliteStore,
  config: LoadedConfig,
  options: { acceptBrokenChain: boolean },
  io: Io,
  logger: ReturnType<typeof createLogger>,
): boolean {
  // A log that was tampered with is not something to append to silently.
  const verdict = verifyChain(store.rows());
  if (!verdict.intact) {
    logger.error(
      { event: 'audit-chain', outcome: 'broken', rows: verdict.firstBrokenId },
      'the audit chain is broken',
    );
    if (!options.acceptBrokenChain) {
      io.stderr.write(
        `hwc run: the audit log's hash chain is broken at row ${verdict.firstBrokenId}; ` +
          'run `hwc audit verify` and investigate, or start with --accept-broken-chain to go on\n',
      );
      return false;
    }
  } else {
    logger.info(
      { event: 'audit-chain', outcome: 'intact', rows: verdict.rows, head: verdict.head },
      'audit chain intact',
    );
    // Retention: rows older than audit.keep go, accounted for by a prune row (see README).
    pruneExpiredAudit(store, config.auditKeepDays, systemClock.now(), logger);
  }
  return true;
}

async function runDaemon(
  configPath: string,
  config: LoadedConfig,
  options: { acceptBrokenChain: boolean },
  io: Io,
  logger: ReturnType<typeof createLogger>,
): Promise<number> {
  const store = openOrExplain(() => SqliteStore.open(config.storage), config, io);
  if (!store) return EXIT.runError;
  logger.info({ event: 'start', version: packageVersion(), school: config.school }, 'hwc-watcher starting');
  if (!auditAtStart(store, config, options, io, logger)) {
    store.close();
    return EXIT.runError;
  }
  // Only the link page needs the state at any moment; the daemon's look-ups open it when they ask.
  const held = config.deliver === 'link' ? store : undefined;
  if (!held) store.close();
  const state = daemonState(config, logger, held);

  let fatalCode: string | undefined;
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    wake = resolve;
    io.signals.once('SIGTERM', resolve);
    io.signals.once('SIGINT', resolve);
  });
  // In a config directory the process has one notifier for all its schools (board-service.ts).
  const service = (io.board?.serviceHooks ?? serviceHooks)({
    env: io.env,
    logger,
    schedule: scheduleOf(config),
  });
  // Alone, a daemon that can neither check nor alarm exits, so that systemd's OnFailure= fires.
  // In a config directory the process serves the other schools too: this school keeps trying at
  // its next check, and hwc status and the ping report it.
  const giveUp = io.board
    ? () => undefined
    : (code: string) => {
        fatalCode = code;
        wake();
      };
  const daemonCheck = daemonCheckOf(configPath, config, io, logger, service, giveUp);
  // node-cron is loaded by the daemon only, never by a single check.
  const { createDaemon } = await import('../daemon.js');
  const daemon = createDaemon({
    onNextCheck: (next) => service.nextCheck(next),
    schedule: scheduleOf(config),
    deadline: config.schedule.deadline,
    clock: systemClock,
    logger,
    lastSuccess: () =>
      state.read((s) => {
        const value = s.getMeta('last_success_at');
        return value ? new Date(value) : undefined;
      }, undefined),
    hasOpenWorkflows: () => state.read((s) => s.allSignals().some((signal) => !signal.purgedAt), true),
    alarmSentOn: () => state.read((s) => s.getMeta('dead_man_sent_on'), undefined),
    sendDeadManAlarm: () => state.use((s) => deadManAlarm(config, s, logger, systemClock), false),
    fatal: giveUp,
    // In a config directory, each check waits for a place among the directory's concurrent checks.
    runCheck: () => slotOf(io)(daemonCheck),
    // Link mode: the page runs beside the checks, and a waiting signal gets its link at once.
    ...(held
      ? await linkDaemonOptions(config, held, logger, io, (code) => {
          fatalCode = code;
          wake();
        })
      : {}),
  });
  await daemon.start();
  service.ready();
  await stopped;
  logger.info({ event: 'stopping' }, 'stopping; finishing the running check first');
  service.stopping();
  await daemon.stop();
  await service.close();
  held?.close();
  logger.info({ event: 'stopped', ...(fatalCode ? { code: fatalCode } : {}) }, 'hwc-watcher stopped');
  return fatalCode ? EXIT.runError : EXIT.ok;
}
