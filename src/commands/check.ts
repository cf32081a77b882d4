import type { Clock, Logger } from '../core/ports.js';
import type { CheckDeps } from '../check/context.js';
import { guardedCheck } from '../check/watchdog.js';
import { renderPlan } from '../check/dry-run.js';
import { deadManDue, sendDeadManAlarm, type DeadManSettings } from '../check/dead-man.js';
import { createDaemon } from '../daemon.js';
import { mailParser } from '../adapters/mail-parser.js';
import { ImapMailboxOpener } from '../adapters/imap-mailbox.js';
import { SmtpMailer } from '../adapters/smtp-mailer.js';
import { SqliteStore } from '../adapters/sqlite-store.js';
import { storageFailureMessage } from '../adapters/storage-dir.js';
import { systemClock } from '../adapters/system-clock.js';
import { createLogger } from '../adapters/logger.js';
import { loadConfigForCommand, type LoadedConfig } from './config.js';
import { mailAuth } from './mail-auth.js';
import { loadConfig } from '../config/load-config.js';
import { pruneExpiredAudit } from '../audit-retention.js';
import { EXIT, type Io } from './io.js';
import { verifyChain } from '../core/audit-entry.js';
import type { CheckSchedule } from '../core/schedule.js';
import { checkScheduleOf } from './schedule.js';
import { packageVersion } from '../version.js';
import { checkOutputOf, logDestination, writeCheckOutput } from './check-output.js';

interface Wiring {
  deps: CheckDeps;
  store: SqliteStore;
}

/** Host, port, TLS and sign-in of one server, as both adapters take them. */
function serverSettings(kind: 'imap' | 'smtp', config: LoadedConfig) {
  const server = config[kind];
  return {
    host: server.host,
    port: server.port,
    secure: server.secure,
    user: server.auth.user,
    ...mailAuth(kind, server),
    rejectUnauthorized: server.tls.rejectUnauthorized,
    ...(server.tls.ca ? { ca: server.tls.ca } : {}),
  };
}

function smtpMailer(config: LoadedConfig): SmtpMailer {
  return new SmtpMailer({ ...serverSettings('smtp', config), from: config.from });
}

function wire(config: LoadedConfig, logger: Logger, options: { dryRun: boolean }, io: Io): Wiring {
  const store = SqliteStore.open(config.storage, { readOnly: options.dryRun });
  const opener = new ImapMailboxOpener(serverSettings('imap', config), {
    delaysMs: [1_000, 3_000, 9_000],
    onRetry: (attempt, code, delayMs) =>
      logger.warn({ step: 'connect', attempt, code, delayMs }, 'IMAP connection failed; trying again'),
  });
  const mailer = smtpMailer(config);
  const killAt = io.env.HWC_TEST_KILL_AT;
  const deps: CheckDeps = {
    settings: {
      school: config.school,
      timezone: config.timezone,
      from: config.from,
      senders: config.senders,
      ...(config.trustedAuthservId ? { trustedAuthservId: config.trustedAuthservId } : {}),
      contacts: { primary: config.contacts.primary, backup: config.contacts.backup },
      primaryAbsent: config.contacts.primary.absent,
      notify: config.notify,
      escalateAfterMs: config.escalateAfterMs,
      purgeAfterMs: config.purgeAfterMs,
      schedule: checkScheduleSettings(config),
      maxMessageBytes: config.maxMessageBytes,
      version: packageVersion(),
    },
    opener,
    mailer,
    store,
    clock: systemClock,
    logger,
    parser: mailParser,
    // Fault injection for the kill-at-every-step tests; inert unless the variable is set.
    ...(killAt
      ? { onStep: (step: string) => (step === killAt ? process.kill(process.pid, 'SIGKILL') : undefined) }
      : {}),
  };
  return { deps, store };
}

/** Opens the state, or says plainly which directory cannot be used and why (an errno code only). */
function openOrExplain<T>(open: () => T, config: LoadedConfig, io: Io): T | undefined {
  try {
    return open();
  } catch (err) {
    io.stderr.write(storageFailureMessage(config.storage, err));
    return undefined;
  }
}

/** Runs one check under the watchdog (see check/watchdog.ts), with this config's time budget. */
function checkOnce(wiring: Wiring, config: LoadedConfig, dryRun: boolean) {
  return guardedCheck(wiring.deps, { dryRun, timeoutMs: config.checkTimeoutMs });
}

export async function commandCheck(
  configPath: string,
  options: { dryRun: boolean; json?: boolean },
  io: Io,
): Promise<number> {
  const config = await loadConfigForCommand(configPath, io);
  if (typeof config === 'number') return config;
  const output = checkOutputOf(io, options.json ?? false);
  const logger = createLogger(logDestination(output));
  const wiring = openOrExplain(() => wire(config, logger, options, io), config, io);
  if (!wiring) return EXIT.runError;
  try {
    const result = await checkOnce(wiring, config, options.dryRun);
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
    wiring.deps.mailer.close();
    wiring.store.close();
  }
}

function deadManSettings(config: LoadedConfig): DeadManSettings {
  return {
    identity: { school: config.school, fromAddress: config.from.address, timezone: config.timezone },
    contacts: [config.contacts.primary, config.contacts.backup],
    schedule: scheduleOf(config),
    deadline: config.schedule.deadline,
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
  const logger = createLogger();
  const store = openOrExplain(() => SqliteStore.open(config.storage), config, io);
  if (!store) return EXIT.runError;
  logger.info({ event: 'start', version: packageVersion(), school: config.school }, 'hwc-watcher starting');

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
      store.close();
      return EXIT.runError;
    }
  } else {
    logger.info(
      { event: 'audit-chain', outcome: 'intact', rows: verdict.rows, head: verdict.head },
      'audit chain intact',
    );
    // Retention: rows older than audit.keep go, accounted for by a prune row (see README).
    pruneExpiredAudit(store, config.auditKeepDays, systemClock.now(), logger);
  }

  let current = config;
  let fatalCode: string | undefined;
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    wake = resolve;
    io.signals.once('SIGTERM', resolve);
    io.signals.once('SIGINT', resolve);
  });
  const daemon = createDaemon({
    schedule: scheduleOf(config),
    deadline: config.schedule.deadline,
    clock: systemClock,
    logger,
    lastSuccess: () => {
      const value = store.getMeta('last_success_at');
      return value ? new Date(value) : undefined;
    },
    hasOpenWorkflows: () => store.allSignals().some((signal) => !signal.purgedAt),
    alarmSentOn: () => store.getMeta('dead_man_sent_on'),
    sendDeadManAlarm: () => deadManAlarm(config, store, logger, systemClock),
    fatal: (code) => {
      fatalCode = code;
      wake();
    },
    runCheck: async () => {
      // The config is read again for each check, so that `hwc absent` and other edits take effect
      // without a restart; an edit that breaks it is logged and the last good config is used.
      const fresh = await loadConfig(configPath, { env: io.env, cwd: io.cwd });
      if ('config' in fresh) current = fresh.config;
      else
        logger.error(
          { event: 'config', outcome: 'invalid' },
          'the config file became invalid; using the last good one',
        );
      const wiring = wire(current, logger, { dryRun: false }, io);
      try {
        const result = await checkOnce(wiring, current, false);
        return result instanceof Error ? {} : result.nextDueAt ? { nextDueAt: result.nextDueAt } : {};
      } finally {
        wiring.deps.mailer.close();
        wiring.store.close();
      }
    },
  });
  await daemon.start();
  await stopped;
  logger.info({ event: 'stopping' }, 'stopping; finishing the running check first');
  await daemon.stop();
  store.close();
  logger.info({ event: 'stopped', ...(fatalCode ? { code: fatalCode } : {}) }, 'hwc-watcher stopped');
  return fatalCode ? EXIT.runError : EXIT.ok;
}
