import type { Logger } from 'pino';
import { runCheck, type CheckDeps, type CheckReport } from '../check.js';
import { createDaemon } from '../daemon.js';
import { CheckTimeoutError, HwcError } from '../core/errors.js';
import { parseMail } from '../adapters/mail-parser.js';
import { ImapMailboxOpener } from '../adapters/imap-mailbox.js';
import { SmtpMailer } from '../adapters/smtp-mailer.js';
import { SqliteStore } from '../adapters/sqlite-store.js';
import { systemClock } from '../adapters/system-clock.js';
import { createLogger, safeError } from '../adapters/logger.js';
import { loadConfigForCommand, revealSecret, type LoadedConfig } from './config.js';
import { EXIT, type Io } from './io.js';
import { packageVersion } from '../version.js';

interface Wiring {
  deps: CheckDeps;
  store: SqliteStore;
  opener: ImapMailboxOpener;
}

function wire(config: LoadedConfig, logger: Logger, options: { dryRun: boolean }, io: Io): Wiring {
  const store = SqliteStore.open(config.storage, { readOnly: options.dryRun });
  const opener = new ImapMailboxOpener({
    host: config.imap.host,
    port: config.imap.port,
    secure: config.imap.secure,
    user: config.imap.auth.user,
    pass: revealSecret(config.imap.auth.pass),
    rejectUnauthorized: config.imap.tls.rejectUnauthorized,
    ...(config.imap.tls.ca ? { ca: config.imap.tls.ca } : {}),
  });
  const mailer = new SmtpMailer({
    host: config.smtp.host,
    port: config.smtp.port,
    secure: config.smtp.secure,
    user: config.smtp.auth.user,
    pass: revealSecret(config.smtp.auth.pass),
    rejectUnauthorized: config.smtp.tls.rejectUnauthorized,
    ...(config.smtp.tls.ca ? { ca: config.smtp.tls.ca } : {}),
    from: config.from,
  });
  const killAt = io.env.HWC_TEST_KILL_AT;
  const deps: CheckDeps = {
    settings: {
      school: config.school,
      timezone: config.timezone,
      from: config.from,
      senders: config.senders,
      ...(config.trustedAuthservId ? { trustedAuthservId: config.trustedAuthservId } : {}),
      contacts: { primary: config.contacts.primary, backup: config.contacts.backup },
      maxMessageBytes: config.maxMessageBytes,
      version: packageVersion(),
    },
    opener,
    mailer,
    store,
    clock: systemClock,
    logger,
    parse: (raw, maxBytes) => parseMail(raw, { maxBytes }),
    // Fault injection for the kill-at-every-step tests; inert unless the variable is set.
    ...(killAt
      ? { onStep: (step: string) => (step === killAt ? process.kill(process.pid, 'SIGKILL') : undefined) }
      : {}),
  };
  return { deps, store, opener };
}

/** Runs one check under the watchdog; logs the outcome and never lets a raw error escape. */
async function guardedCheck(
  wiring: Wiring,
  config: LoadedConfig,
  logger: Logger,
  dryRun: boolean,
): Promise<CheckReport | HwcError | Error> {
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CheckTimeoutError('CHECK_TIMEOUT', 'the check ran past checkTimeout')),
      config.checkTimeoutMs,
    );
  });
  try {
    return await Promise.race([runCheck(wiring.deps, { dryRun }), watchdog]);
  } catch (err) {
    logger.error({ step: 'check', outcome: 'failed', err }, describeFailure(err));
    return err instanceof Error ? err : new Error('unknown failure');
  } finally {
    clearTimeout(timer);
  }
}

function describeFailure(err: unknown): string {
  const safe = safeError(err);
  return safe.message ?? `check failed (${safe.code ?? safe.name})`;
}

export async function commandCheck(
  configPath: string,
  options: { dryRun: boolean },
  io: Io,
): Promise<number> {
  const config = await loadConfigForCommand(configPath, io);
  if (typeof config === 'number') return config;
  const logger = createLogger();
  const wiring = wire(config, logger, options, io);
  try {
    const result = await guardedCheck(wiring, config, logger, options.dryRun);
    if (result instanceof Error) return EXIT.runError;
    if (options.dryRun) {
      io.stdout.write(renderPlan(result, config));
    }
    return EXIT.ok;
  } finally {
    wiring.deps.mailer.close();
    wiring.store.close();
  }
}

function renderPlan(report: CheckReport, config: LoadedConfig): string {
  const lines = [
    'DRY RUN: nothing was sent, flagged, deleted or recorded.',
    `school: ${config.school}`,
    `messages in INBOX: ${report.counts.messages}`,
    `signals: ${report.counts.signals} (children: ${report.counts.children}, needing review: ${report.counts.needsReview})`,
    `set aside for a person: ${report.counts.setAside}`,
    `contacts to notify: primary (${config.contacts.primary.name}) and backup (${config.contacts.backup.name})`,
    `folders to purge and verify: ${report.folders.join(', ')}`,
    ...report.plan.map((line) => `- ${line}`),
    '',
  ];
  return lines.join('\n');
}

export async function commandRun(configPath: string, io: Io): Promise<number> {
  const config = await loadConfigForCommand(configPath, io);
  if (typeof config === 'number') return config;
  const logger = createLogger();
  const store = SqliteStore.open(config.storage);
  logger.info({ event: 'start', version: packageVersion(), school: config.school }, 'hwc-watcher starting');
  const daemon = createDaemon({
    schedule: { checks: config.schedule.checks, days: config.schedule.days, timezone: config.timezone },
    clock: systemClock,
    logger,
    lastSuccess: () => {
      const value = store.getMeta('last_success_at');
      return value ? new Date(value) : undefined;
    },
    runCheck: async () => {
      const wiring = wire(config, logger, { dryRun: false }, io);
      try {
        await guardedCheck(wiring, config, logger, false);
      } finally {
        wiring.deps.mailer.close();
        wiring.store.close();
      }
    },
  });
  await daemon.start();
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    io.signals.once('SIGTERM', stop);
    io.signals.once('SIGINT', stop);
  });
  logger.info({ event: 'stopping' }, 'stop requested; finishing the running check first');
  await daemon.stop();
  store.close();
  logger.info({ event: 'stopped' }, 'hwc-watcher stopped');
  return EXIT.ok;
}
